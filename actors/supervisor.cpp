#include "actors/supervisor.hpp"

#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/ec.hpp"
#include "actors/platform_gate.hpp"
#include "actors/acknowledgements.hpp"
#include "actors/distribution_job.hpp"
#include "actors/blocking_job.hpp"
#include "actors/sleep_job.hpp"
#include "domain/log.hpp"
#include "domain/time.hpp"

namespace tunemantra::actors {
namespace {

using self_ptr = supervisor_actor::stateful_pointer<supervisor_state>;

/// Expired sessions and idempotency records are pruned this often, and kept this long after expiry.
constexpr auto housekeeping_every = std::chrono::minutes(10);
constexpr domain::millis keep_expired_ms = 24 * 3'600'000LL;

/// Runs store work on the executor, its writes fenced by `lease` when given; a failure is logged
/// (the next poll or restart retries it).
template <class F>
void off_thread(const job_context& ctx, const char* what, F fn, std::optional<persistence::job_lease> lease = {}) {
  try {
    ctx.executor->post([fn = std::move(fn), what, lease = std::move(lease)]() mutable {
      try {
        persistence::fenced_scope fenced{lease};
        fn();
      } catch (const std::exception& e) {
        log::warn("supervisor store call failed", {{"call", what}, {"error", e.what()}});
      }
    });
  } catch (const std::exception& e) {
    log::warn("supervisor store call refused", {{"call", what}, {"error", e.what()}});
  }
}

/// Marks a job failed on the executor and tells the supervisor when the store says so. Until then
/// the job stays known as retiring, so a poll that still sees it running cannot adopt it again.
template <class F>
void retire(self_ptr self, std::int64_t id, F record) {
  self->state.jobs[id].retiring = true;
  auto me = caf::actor_cast<supervisor_actor>(self);
  off_thread(self->state.ctx, "fail job", [me, id, record = std::move(record)]() mutable {
    try {
      record();
    } catch (const std::exception& e) {
      log::warn("supervisor could not record the failure", {{"job", std::to_string(id)}, {"error", e.what()}});
    }
    caf::anon_send(me, failed_atom::value, id);
  }, self->state.lease_of(id));
}

bool is_lease_lost(const caf::error& reason) {
  // An empty error has no category to ask for (CAF 0.17 dereferences null there).
  return reason && reason.category() == caf::atom("tunemantra") && static_cast<ec>(reason.code()) == ec::lease_lost;
}

/// Records the final crash, marks the job failed and releases what the job held (abandon_job),
/// in that order, on one executor task.
void give_up(self_ptr self, std::int64_t id, const supervisor_state::entry& e, const std::string& reason) {
  auto& ctx = self->state.ctx;
  ctx.stats->restart_limit_hits++;
  log::warn("supervisor gave up on job", {{"job", std::to_string(id)}, {"reason", reason}});
  auto* store = ctx.store;
  const auto error = e.last_error;
  const auto kind = e.kind;
  retire(self, id, [store, id, kind, reason, error] {
    store->append_event(id, "crash", "job actor crashed: " + error);
    store->update_job(id, domain::job_update{domain::job_status::failed, reason});
    abandon_job(*store, kind, id, reason);
  });
}

/// A deterministic error (not a store outage) seen again after a restart will not go away by
/// restarting: the job fails now with it, instead of after every restart the limit allows.
/// The actor ended because the store could not be reached or was saturated, or an operator
/// kicked it: nothing wrong with the job itself.
bool is_unavailable(const caf::error& reason) {
  return reason.category() == caf::atom("tunemantra") && static_cast<ec>(reason.code()) == ec::unavailable;
}

bool same_error_again(const caf::down_msg& msg, const supervisor_state::entry& e, const std::string& error) {
  const bool internal = msg.reason.category() == caf::atom("tunemantra") && static_cast<ec>(msg.reason.code()) == ec::internal;
  return internal && !e.restarts.empty() && error == e.last_error;
}

} // namespace

std::chrono::milliseconds restart_backoff(const config::jobs_config& cfg, int n) {
  long long delay = cfg.restart_backoff_ms;
  for (int i = 1; i < n && delay < cfg.restart_backoff_max_ms; ++i)
    delay *= 2;
  return std::chrono::milliseconds{std::min<long long>(delay, cfg.restart_backoff_max_ms)};
}

std::int64_t supervisor_state::live() const { return static_cast<std::int64_t>(by_actor.size()); }

persistence::job_lease supervisor_state::lease_of(std::int64_t id) const {
  const auto it = jobs.find(id);
  return {id, node.id, it == jobs.end() ? 0 : it->second.epoch};
}

bool supervisor_state::spawn_job(self_ptr self, std::int64_t id) {
  auto& e = jobs[id];
  auto job_ctx = ctx; // the actor's own copy, with the lease its writes are fenced by
  job_ctx.lease = lease_of(id);
  e.actor_epoch = e.epoch;
  if (e.kind == "sleep") {
    e.actor = self->spawn(sleep_job, job_ctx, id);
  } else if (e.kind == "distribution" || e.kind == "takedown" || e.kind == "redelivery" || e.kind == "bulk_distribution") {
    e.actor = self->spawn(distribution_job, job_ctx, id);
  } else if (e.kind == "sales_import") {
    e.actor = self->spawn(blocking_job, job_ctx, id, &run_sales_import);
  } else if (e.kind == "royalty_calculation") {
    e.actor = self->spawn(blocking_job, job_ctx, id, &run_royalty_calculation);
  } else {
    const auto kind = e.kind;
    auto* store = ctx.store;
    retire(self, id, [store, id, kind] {
      store->update_job(id, domain::job_update{domain::job_status::failed, "unknown job kind: " + kind});
    });
    return false;
  }
  self->monitor(e.actor);
  by_actor.emplace(e.actor.address(), id);
  ctx.stats->live_job_actors = live();
  return true;
}

void supervisor_state::on_down(self_ptr self, const caf::down_msg& msg) {
  const auto found = by_actor.find(msg.source);
  if (found == by_actor.end())
    return;
  const auto id = found->second;
  by_actor.erase(found);
  ctx.stats->live_job_actors = live();
  auto& e = jobs[id];
  e.actor = job_actor{};
  if (is_lease_lost(msg.reason) && !shutting_down) {
    if (e.epoch > e.actor_epoch && !replaced) { // claimed again under a new epoch: run it under that
      spawn_job(self, id);
      return;
    }
    log::warn("job lease lost; its actor stopped", {{"job", std::to_string(id)}, {"node", node.id},
                                                   {"reason", describe(msg.reason)}});
    jobs.erase(id);
    return;
  }
  const bool crashed = msg.reason && msg.reason != caf::exit_reason::normal
                       && msg.reason != caf::exit_reason::user_shutdown && msg.reason != caf::exit_reason::kill;
  if (shutting_down || !crashed) {
    jobs.erase(id);
    if (shutting_down && by_actor.empty() && shutdown_promise.pending()) {
      shutdown_promise.deliver(true);
      self->quit();
    }
    return;
  }
  const auto error_now = describe(msg.reason);
  const bool repeated = same_error_again(msg, e, error_now);
  e.last_error = error_now;
  if (repeated) {
    give_up(self, id, e, "failed again with the same error after a restart: " + error_now);
    return;
  }
  const auto now = clock::now();
  e.crashed_at = now;
  if (is_unavailable(msg.reason)) {
    e.counted = false;
    restart_later(self, id, e, restart_backoff(ctx.jobs, ++e.waits));
    return;
  }
  e.waits = 0;
  e.counted = true;
  const auto period = std::chrono::milliseconds{ctx.jobs.restart_period_ms};
  while (!e.restarts.empty() && now - e.restarts.front() > period)
    e.restarts.pop_front();
  if (static_cast<int>(e.restarts.size()) >= ctx.jobs.max_restarts) {
    give_up(self, id, e, "restart limit reached: " + std::to_string(e.restarts.size()) + " restarts within "
                           + std::to_string(ctx.jobs.restart_period_ms) + " ms; last error: " + e.last_error);
    return;
  }
  restart_later(self, id, e, restart_backoff(ctx.jobs, static_cast<int>(e.restarts.size()) + 1));
}

void supervisor_state::restart_later(self_ptr self, std::int64_t id, const entry& e, std::chrono::milliseconds delay) {
  auto* store = ctx.store;
  const auto error = e.last_error;
  off_thread(ctx, "record crash", [store, id, error] { store->append_event(id, "crash", "job actor crashed: " + error); },
             lease_of(id));
  log::warn("job actor crashed", {{"job", std::to_string(id)}, {"error", e.last_error},
                                  {"restart_in_ms", std::to_string(delay.count())},
                                  {"counted", e.counted ? "true" : "false"}});
  self->delayed_send(self, delay, restart_atom::value, id);
}

void supervisor_state::poll(self_ptr self) {
  if (polling || shutting_down || replaced)
    return;
  polling = true;
  auto me = caf::actor_cast<supervisor_actor>(self);
  auto* store = ctx.store;
  // Cluster duties are the leader's alone: one node fires scheduled jobs, prunes and reads acks.
  const bool housekeeping = leader && clock::now() - last_housekeeping > housekeeping_every;
  if (housekeeping)
    last_housekeeping = clock::now();
  const bool acks = leader && clock::now() - last_acks > std::chrono::milliseconds(ctx.delivery.ack_poll_interval_ms);
  if (acks)
    last_acks = clock::now();
  // A node that cannot renew its leases (database just back, or beats too slow) takes no more:
  // after an outage each node first renews its own, rather than all racing for every expired one.
  const bool renewing = domain::now_millis() - renewed_at < cluster.lease_ms;
  try {
    ctx.executor->post([me, store, housekeeping, acks, renewing, leading = leader, node = node.id,
                        lease_ms = cluster.lease_ms,
                        batch = cluster.claim_batch, retention_days = ctx.jobs.retention_days] {
      std::vector<persistence::claimed_job> claimed;
      try {
        if (housekeeping) {
          if (const int pruned = store->accounts().prune_expired(keep_expired_ms); pruned > 0)
            log::info("supervisor pruned expired records", {{"rows", std::to_string(pruned)}});
          if (retention_days > 0) {
            const auto before = domain::now_millis() - std::int64_t{retention_days} * 86'400'000;
            if (const int pruned = store->prune_jobs(before); pruned > 0)
              log::info("supervisor pruned finished jobs", {{"jobs", std::to_string(pruned)},
                                                           {"retention_days", std::to_string(retention_days)}});
          }
        }
        if (leading)
          store->release_due_jobs(domain::now_millis());
        if (renewing)
          claimed = store->cluster().claim_jobs(node, batch, lease_ms);
        if (acks)
          if (const int applied = apply_acknowledgements(*store); applied > 0)
            log::info("acknowledgements applied", {{"count", std::to_string(applied)}});
      } catch (const std::exception& e) {
        log::warn("supervisor poll failed", {{"error", e.what()}});
      }
      for (auto& c : claimed)
        caf::anon_send(me, adopt_atom::value, c.id, c.kind, c.epoch);
      // "poll finished": clears the flag; a full batch means more may wait, so poll again at once.
      caf::anon_send(me, poll_atom::value);
      if (static_cast<int>(claimed.size()) == batch)
        caf::anon_send(me, poll_atom::value);
    });
  } catch (const std::exception& e) {
    polling = false;
    log::warn("supervisor poll refused", {{"error", e.what()}});
  }
}

void supervisor_state::beat(self_ptr self) {
  if (beating || shutting_down || replaced)
    return;
  beating = true;
  std::unordered_map<std::int64_t, std::int64_t> held; // job -> epoch, as this actor knows them now
  for (const auto& [id, e] : jobs)
    held.emplace(id, e.epoch);
  auto me = caf::actor_cast<supervisor_actor>(self);
  try {
    ctx.renewals->post([me, store = ctx.store, gate = ctx.gate, node = node, lease_ms = cluster.lease_ms,
                        held = std::move(held), posted = domain::now_millis()] {
      bool leading = false;
      domain::millis renewed_at = 0;
      try {
        const auto started = domain::now_millis();
        const auto answer = store->cluster().heartbeat(node, lease_ms);
        if (const auto took = domain::now_millis() - posted; took * 4 > lease_ms)
          log::warn("heartbeat slow", {{"node", node.id}, {"queued_ms", std::to_string(started - posted)},
                                       {"took_ms", std::to_string(took)}, {"lease_ms", std::to_string(lease_ms)}});
        gate->set_live_nodes(static_cast<int>(answer.live_nodes.size())); // each node starts its share of a rate
        std::unordered_map<std::int64_t, std::int64_t> still;
        for (const auto& h : answer.held)
          still.emplace(h.job_id, h.epoch);
        for (const auto& [id, epoch] : held)
          if (const auto it = still.find(id); it == still.end() || it->second != epoch)
            caf::anon_send(me, lost_atom::value, id, epoch);
        renewed_at = started; // the leases were renewed as of when the beat began
        leading = store->cluster().lead(node.id, lease_ms);
      } catch (const persistence::node_replaced& e) {
        log::error("node id taken over by another process", {{"node", node.id}, {"error", e.what()}});
        caf::anon_send(me, lost_atom::value);
      } catch (const std::exception& e) {
        // Unreachable database: leases run out unless a later beat succeeds; writes stay fenced.
        log::warn("heartbeat failed", {{"node", node.id}, {"error", e.what()}});
      }
      caf::anon_send(me, lead_atom::value, leading, renewed_at);
    });
  } catch (const std::exception& e) {
    beating = false;
    log::warn("heartbeat refused", {{"error", e.what()}});
  }
}

supervisor_actor::behavior_type supervisor(self_ptr self, job_context ctx, persistence::node_record node,
                                           config::cluster_config cluster) {
  self->state.ctx = ctx;
  self->state.node = std::move(node);
  self->state.cluster = cluster;
  self->send(self, beat_atom::value);
  self->set_down_handler([self](caf::down_msg& msg) { self->state.on_down(self, msg); });
  self->send(self, tick_atom::value);
  return {
    [=](adopt_atom, std::int64_t id, const std::string& kind, std::int64_t epoch) -> bool {
      auto& st = self->state;
      if (st.shutting_down || st.replaced)
        return false;
      if (auto it = st.jobs.find(id); it != st.jobs.end()) {
        // Claimed again (our lease ran out while we were stalled): the old actor's writes are
        // fenced now, so it ends and a new one starts under the new epoch (see on_down).
        if (epoch > it->second.epoch) {
          it->second.epoch = epoch;
          if (it->second.actor)
            self->send_exit(it->second.actor, caf::make_error(ec::lease_lost, "claimed again under a new epoch"));
        }
        return false;
      }
      auto& e = st.jobs[id];
      e.kind = kind;
      e.epoch = epoch;
      return st.spawn_job(self, id);
    },
    [=](cancel_atom, std::int64_t id) -> bool {
      auto& st = self->state;
      auto it = st.jobs.find(id);
      if (it == st.jobs.end())
        return false;
      if (it->second.actor)
        self->send_exit(it->second.actor, caf::exit_reason::user_shutdown);
      else
        st.jobs.erase(it); // waiting for a restart: simply do not restart it
      return true;
    },
    [=](kick_atom, std::int64_t id) -> bool {
      auto& st = self->state;
      auto it = st.jobs.find(id);
      if (it == st.jobs.end() || !it->second.actor)
        return false;
      self->send_exit(it->second.actor, caf::make_error(ec::unavailable, "stopped by an operator (kick)"));
      return true;
    },
    [=](ping_atom) -> std::int64_t { return self->state.live(); },
    [=](poll_atom) {
      // Sent by the poll task when it finished, and by anyone who wants a poll now.
      auto& st = self->state;
      if (st.polling) {
        st.polling = false;
        return;
      }
      st.poll(self);
    },
    [=](tick_atom) {
      self->state.poll(self);
      if (!self->state.shutting_down)
        self->delayed_send(self, std::chrono::milliseconds{self->state.ctx.jobs.poll_interval_ms}, tick_atom::value);
    },
    [=](beat_atom) {
      auto& st = self->state;
      st.beat(self);
      if (!st.shutting_down && !st.replaced)
        self->delayed_send(self, std::chrono::milliseconds{st.cluster.heartbeat_ms}, beat_atom::value);
    },
    [=](lead_atom, bool leading, std::int64_t renewed_at) {
      auto& st = self->state;
      st.beating = false;
      if (renewed_at > 0) {
        const bool was_renewing = domain::now_millis() - st.renewed_at < st.cluster.lease_ms;
        st.renewed_at = renewed_at;
        if (!was_renewing)
          st.poll(self); // renewing again (first beat, database back): claim what waits now
      }
      if (leading != st.leader)
        log::info(leading ? "node became leader" : "node is no longer leader", {{"node", st.node.id}});
      st.leader = leading;
    },
    [=](lost_atom, std::int64_t id, std::int64_t epoch) {
      auto& st = self->state;
      auto it = st.jobs.find(id);
      if (it == st.jobs.end() || it->second.epoch != epoch)
        return; // ended here meanwhile, or claimed again since
      log::warn("job no longer held by this node; stopping its actor",
                {{"job", std::to_string(id)}, {"node", st.node.id}, {"epoch", std::to_string(epoch)}});
      if (it->second.actor)
        self->send_exit(it->second.actor, caf::make_error(ec::lease_lost, "the lease is held elsewhere"));
      else
        st.jobs.erase(it);
    },
    [=](lost_atom) {
      auto& st = self->state;
      st.replaced = true;
      for (auto& [id, e] : st.jobs)
        if (e.actor)
          self->send_exit(e.actor, caf::make_error(ec::lease_lost, "node id taken over by another process"));
    },
    [=](restart_atom, std::int64_t id) {
      auto& st = self->state;
      auto it = st.jobs.find(id);
      if (st.shutting_down || it == st.jobs.end() || it->second.actor)
        return; // cancelled while waiting, or shutting down
      const bool counted = it->second.counted;
      if (counted)
        it->second.restarts.push_back(supervisor_state::clock::now());
      st.ctx.stats->restarts++;
      const auto n = counted ? it->second.restarts.size() : static_cast<std::size_t>(it->second.waits);
      const auto message = counted ? "restart " + std::to_string(n) + " of at most "
                                       + std::to_string(st.ctx.jobs.max_restarts) + " after: " + it->second.last_error
                                   : "restart (not counted against the limit) after: " + it->second.last_error;
      const auto since_crash = std::chrono::duration_cast<std::chrono::milliseconds>(
        supervisor_state::clock::now() - it->second.crashed_at);
      const auto data = R"({"restart":)" + std::to_string(n) + R"(,"delayMs":)"
                        + std::to_string(restart_backoff(st.ctx.jobs, static_cast<int>(n)).count())
                        + R"(,"sinceCrashMs":)" + std::to_string(since_crash.count())
                        + R"(,"counted":)" + (counted ? "true" : "false") + "}";
      // The restart is recorded before the new actor starts, so the history is always in order.
      auto* store = st.ctx.store;
      auto me = caf::actor_cast<supervisor_actor>(self);
      off_thread(st.ctx, "record restart", [store, id, message, data, me] {
        try {
          store->append_event(id, "restart", message, data);
        } catch (const std::exception& e) {
          log::warn("supervisor could not record restart", {{"job", std::to_string(id)}, {"error", e.what()}});
        }
        caf::anon_send(me, adopt_atom::value, id);
      }, st.lease_of(id));
    },
    [=](adopt_atom, std::int64_t id) {
      auto& st = self->state;
      auto it = st.jobs.find(id);
      if (!st.shutting_down && it != st.jobs.end() && !it->second.actor && !it->second.retiring)
        st.spawn_job(self, id);
    },
    [=](failed_atom, std::int64_t id) {
      auto& st = self->state;
      auto it = st.jobs.find(id);
      if (it != st.jobs.end() && it->second.retiring && !it->second.actor)
        st.jobs.erase(it);
    },
    [=](shutdown_atom) -> caf::result<bool> {
      auto& st = self->state;
      st.shutting_down = true;
      if (st.by_actor.empty()) {
        self->quit();
        return true;
      }
      st.shutdown_promise = self->make_response_promise<bool>();
      for (auto& [id, e] : st.jobs)
        if (e.actor)
          self->send_exit(e.actor, caf::exit_reason::user_shutdown);
      return st.shutdown_promise;
    },
  };
}

} // namespace tunemantra::actors
