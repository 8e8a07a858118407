#include "actors/supervisor.hpp"

#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/ec.hpp"
#include "actors/ddex_folder.hpp"
#include "actors/distribution_job.hpp"
#include "actors/blocking_job.hpp"
#include "actors/sleep_job.hpp"
#include "domain/log.hpp"
#include "domain/time.hpp"

namespace tunemantra::actors {
namespace {

using self_ptr = supervisor_actor::stateful_pointer<supervisor_state>;

/// Most jobs adopted per poll; the next poll takes the rest.
constexpr int poll_batch = 1000;

/// Expired sessions and idempotency records are pruned this often, and kept this long after expiry.
constexpr auto housekeeping_every = std::chrono::minutes(10);
constexpr domain::millis keep_expired_ms = 24 * 3'600'000LL;

/// Runs store work on the executor; a failure is logged (the next poll or restart retries it).
template <class F>
void off_thread(const job_context& ctx, const char* what, F fn) {
  try {
    ctx.executor->post([fn = std::move(fn), what]() mutable {
      try {
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
  });
}

/// Records the final crash and marks the job failed, in that order, on one executor task.
void give_up(self_ptr self, std::int64_t id, const supervisor_state::entry& e) {
  auto& ctx = self->state.ctx;
  ctx.stats->restart_limit_hits++;
  const auto reason = "restart limit reached: " + std::to_string(e.restarts.size()) + " restarts within "
                      + std::to_string(ctx.jobs.restart_period_ms) + " ms; last error: " + e.last_error;
  log::warn("supervisor gave up on job", {{"job", std::to_string(id)}, {"reason", reason}});
  auto* store = ctx.store;
  const auto error = e.last_error;
  retire(self, id, [store, id, reason, error] {
    store->append_event(id, "crash", "job actor crashed: " + error);
    store->update_job(id, domain::job_update{domain::job_status::failed, reason});
  });
}

} // namespace

std::chrono::milliseconds restart_backoff(const config::jobs_config& cfg, int n) {
  long long delay = cfg.restart_backoff_ms;
  for (int i = 1; i < n && delay < cfg.restart_backoff_max_ms; ++i)
    delay *= 2;
  return std::chrono::milliseconds{std::min<long long>(delay, cfg.restart_backoff_max_ms)};
}

std::int64_t supervisor_state::live() const { return static_cast<std::int64_t>(by_actor.size()); }

bool supervisor_state::spawn_job(self_ptr self, std::int64_t id) {
  auto& e = jobs[id];
  if (e.kind == "sleep") {
    e.actor = self->spawn(sleep_job, ctx, id);
  } else if (e.kind == "distribution" || e.kind == "takedown" || e.kind == "redelivery" || e.kind == "bulk_distribution") {
    e.actor = self->spawn(distribution_job, ctx, id);
  } else if (e.kind == "sales_import") {
    e.actor = self->spawn(blocking_job, ctx, id, &run_sales_import);
  } else if (e.kind == "royalty_calculation") {
    e.actor = self->spawn(blocking_job, ctx, id, &run_royalty_calculation);
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
  e.last_error = describe(msg.reason);
  const auto now = clock::now();
  e.crashed_at = now;
  const auto period = std::chrono::milliseconds{ctx.jobs.restart_period_ms};
  while (!e.restarts.empty() && now - e.restarts.front() > period)
    e.restarts.pop_front();
  if (static_cast<int>(e.restarts.size()) >= ctx.jobs.max_restarts) {
    give_up(self, id, e);
    return;
  }
  auto* store = ctx.store;
  const auto error = e.last_error;
  off_thread(ctx, "record crash", [store, id, error] { store->append_event(id, "crash", "job actor crashed: " + error); });
  const int n = static_cast<int>(e.restarts.size()) + 1;
  const auto delay = restart_backoff(ctx.jobs, n);
  log::warn("job actor crashed", {{"job", std::to_string(id)}, {"error", e.last_error},
                                  {"restart_in_ms", std::to_string(delay.count())}});
  self->delayed_send(self, delay, restart_atom::value, id);
}

void supervisor_state::poll(self_ptr self) {
  if (polling || shutting_down)
    return;
  polling = true;
  auto me = caf::actor_cast<supervisor_actor>(self);
  auto* store = ctx.store;
  const bool housekeeping = clock::now() - last_housekeeping > housekeeping_every;
  if (housekeeping)
    last_housekeeping = clock::now();
  const bool acks = clock::now() - last_acks > std::chrono::milliseconds(ctx.delivery.ack_poll_interval_ms);
  if (acks)
    last_acks = clock::now();
  try {
    ctx.executor->post([me, store, housekeeping, acks, retention_days = ctx.jobs.retention_days] {
      std::vector<std::pair<std::int64_t, std::string>> found;
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
        store->release_due_jobs(domain::now_millis());
        found = store->runnable_jobs(poll_batch);
        if (acks)
          if (const int applied = apply_acknowledgements(*store); applied > 0)
            log::info("acknowledgements applied", {{"count", std::to_string(applied)}});
      } catch (const std::exception& e) {
        log::warn("supervisor poll failed", {{"error", e.what()}});
      }
      for (auto& [id, kind] : found)
        caf::anon_send(me, adopt_atom::value, id, kind);
      caf::anon_send(me, poll_atom::value); // "poll finished": clears the flag (a new poll is cheap)
    });
  } catch (const std::exception& e) {
    polling = false;
    log::warn("supervisor poll refused", {{"error", e.what()}});
  }
}

supervisor_actor::behavior_type supervisor(self_ptr self, job_context ctx) {
  self->state.ctx = ctx;
  self->set_down_handler([self](caf::down_msg& msg) { self->state.on_down(self, msg); });
  self->send(self, tick_atom::value);
  return {
    [=](adopt_atom, std::int64_t id, const std::string& kind) -> bool {
      auto& st = self->state;
      if (st.shutting_down || st.jobs.count(id))
        return false;
      st.jobs[id].kind = kind;
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
    [=](restart_atom, std::int64_t id) {
      auto& st = self->state;
      auto it = st.jobs.find(id);
      if (st.shutting_down || it == st.jobs.end() || it->second.actor)
        return; // cancelled while waiting, or shutting down
      it->second.restarts.push_back(supervisor_state::clock::now());
      st.ctx.stats->restarts++;
      const auto n = it->second.restarts.size();
      const auto message = "restart " + std::to_string(n) + " of at most " + std::to_string(st.ctx.jobs.max_restarts)
                           + " after: " + it->second.last_error;
      const auto since_crash = std::chrono::duration_cast<std::chrono::milliseconds>(
        supervisor_state::clock::now() - it->second.crashed_at);
      const auto data = R"({"restart":)" + std::to_string(n) + R"(,"delayMs":)"
                        + std::to_string(restart_backoff(st.ctx.jobs, static_cast<int>(n)).count())
                        + R"(,"sinceCrashMs":)" + std::to_string(since_crash.count()) + "}";
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
      });
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
