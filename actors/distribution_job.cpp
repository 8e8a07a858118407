#include "actors/distribution_job.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <random>

#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/connector_error.hpp"
#include "actors/ddex_folder.hpp"
#include "actors/ec.hpp"
#include "actors/http_connector.hpp"
#include "actors/off_thread.hpp"
#include "actors/platform_gate.hpp"
#include "domain/log.hpp"
#include "domain/time.hpp"
#include "persistence/errors.hpp"

namespace tunemantra::actors {
namespace {

using self_ptr = job_actor::stateful_pointer<distribution_job_state>;
using domain::delivery_status;

/// What one step of the job did.
struct step_outcome {
  enum kind_t { progressed, wait, finished } kind = finished;
  int wait_ms = 0;
};

delivery_status waiting_status(const domain::delivery& d) {
  return d.action == domain::ern_action::takedown ? delivery_status::takedown_pending : delivery_status::pending;
}

/// Capped exponential backoff with jitter: a random wait in [cap/2, cap], cap doubling per attempt.
int backoff_ms(const job_context& ctx, int attempts) {
  const auto shift = std::min(attempts - 1, 20);
  const auto cap = std::min<long long>(static_cast<long long>(ctx.delivery.retry_backoff_ms) << shift,
                                       ctx.delivery.retry_backoff_max_ms);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return static_cast<int>(std::uniform_int_distribution<long long>(cap / 2, std::max(cap / 2, cap))(rng));
}

/// Marks the delivery `delivering` (one more attempt, with its job event); false when it was
/// cancelled meanwhile.
bool start_send(const job_context& ctx, const domain::delivery& d, const domain::platform& p) {
  persistence::delivery_change sending{delivery_status::delivering};
  sending.count_attempt = true;
  sending.event = "sending " + d.message_id + " to " + p.name + " (attempt " + std::to_string(d.attempts + 1) + ")";
  return ctx.store->delivery().transition(d.id, {waiting_status(d), delivery_status::delivering}, sending);
}

/// Runs the connector for a delivery marked `delivering` and records the outcome: delivered /
/// taken_down, back to waiting with a retry time, or failed (permanent, or attempts spent).
void finish_send(const job_context& ctx, const domain::delivery& d, const domain::platform& p) {
  auto& deliveries = ctx.store->delivery();
  try {
    const auto pkg = load_package(*ctx.store, d.account_id, d.release_id);
    std::string batch;
    if (p.connector.type == "ddex-folder")
      batch = send_ddex_folder(p, pkg, d, ctx.delivery, ctx.media_dir);
    else
      batch = send_http(p, pkg, d, ctx.delivery);
    persistence::delivery_change done{d.action == domain::ern_action::takedown ? delivery_status::taken_down
                                                                                : delivery_status::delivered};
    done.delivered_at = domain::now_millis();
    done.batch_id = batch;
    done.last_error = "";
    done.event = (d.action == domain::ern_action::takedown ? "takedown delivered to " : "delivered to ") + p.name
                 + " as batch " + batch;
    deliveries.transition(d.id, {delivery_status::delivering}, done);
  } catch (const std::exception& e) {
    const int attempts = d.attempts + 1;
    const bool permanent = dynamic_cast<const permanent_failure*>(&e) != nullptr;
    const bool spent = permanent || attempts >= p.max_attempts;
    persistence::delivery_change failed{spent ? delivery_status::failed : waiting_status(d)};
    failed.last_error = e.what();
    const auto wait = backoff_ms(ctx, attempts);
    if (!spent)
      failed.next_attempt_at = domain::now_millis() + wait;
    failed.event = "attempt " + std::to_string(attempts) + " to " + p.name + " failed: " + e.what()
                   + (permanent ? " (permanent: not retried)"
                      : spent   ? " (no attempts left)"
                                : "; retrying in " + std::to_string(wait) + " ms");
    deliveries.transition(d.id, {delivery_status::delivering}, failed);
    log::warn("delivery attempt failed", {{"delivery", std::to_string(d.id)}, {"platform", p.code}, {"error", e.what()}});
  }
}

/// Ends the job once every delivery is settled, and moves the release along.
void complete(const job_context& ctx, const domain::job& job, const std::vector<domain::delivery>& ds) {
  std::int64_t sent = 0, failed = 0, cancelled = 0;
  nlohmann::json items = nlohmann::json::array();
  for (const auto& d : ds) {
    if (d.status == delivery_status::failed)
      ++failed;
    else if (d.status == delivery_status::cancelled)
      ++cancelled;
    else
      ++sent;
    items.push_back({{"deliveryId", d.id}, {"platformId", d.platform_id}, {"status", domain::to_string(d.status)},
                     {"messageId", d.message_id}, {"error", d.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.last_error)}});
  }
  const auto total = static_cast<std::int64_t>(ds.size());
  domain::job_update end{sent == 0 && failed > 0 ? domain::job_status::failed
                         : failed > 0            ? domain::job_status::partially_failed
                         : sent == 0             ? domain::job_status::cancelled
                                                 : domain::job_status::succeeded};
  if (end.status == domain::job_status::failed)
    end.error = "every delivery failed";
  end.progress = domain::job_progress{total, sent + failed + cancelled, failed};
  end.result = nlohmann::json{{"deliveries", std::move(items)}}.dump();
  if (sent > 0 && !ds.empty()) {
    const auto d = ds.front();
    if (auto rel = ctx.store->catalog().find_release(d.account_id, d.release_id)) {
      const bool takedown = d.action == domain::ern_action::takedown;
      const auto next = takedown ? domain::release_status::taken_down : domain::release_status::distributed;
      if (rel->status != next && (!takedown || failed == 0)) {
        rel->status = next;
        ctx.store->catalog().update_release(*rel);
      }
    }
  }
  try {
    ctx.store->update_job(job.id, end);
  } catch (const persistence::invalid_transition&) {
    // cancelled meanwhile: the cancellation stands
  }
}

/// Job progress from the deliveries: total, settled, failed (pollers see it move).
void report_progress(const job_context& ctx, std::int64_t job_id) {
  const auto ds = ctx.store->delivery().deliveries_of_job(job_id);
  domain::job_progress progress{static_cast<std::int64_t>(ds.size()), 0, 0};
  for (const auto& d : ds) {
    progress.done += domain::is_settled(d.status) ? 1 : 0;
    progress.failed += d.status == delivery_status::failed ? 1 : 0;
  }
  domain::job_update update{domain::job_status::running};
  update.progress = progress;
  try {
    ctx.store->update_job(job_id, update);
  } catch (const persistence::invalid_transition&) {
    // cancelled meanwhile
  }
}

/// One pass over the job's deliveries: starts every send its platforms allow now (each on the
/// sender pool; `me` hears when it ends), says how long to wait when nothing can start, and ends
/// the job when every delivery is settled.
step_outcome next_step(const job_context& ctx, std::int64_t job_id, const std::shared_ptr<sends_in_flight>& in_flight,
                       const job_actor& me) {
  const auto job = ctx.store->find_job(job_id);
  if (!job || job->status != domain::job_status::running)
    return {};
  auto& deliveries = ctx.store->delivery();
  auto ds = deliveries.deliveries_of_job(job_id);
  for (const auto& d : ds)
    if (d.status == delivery_status::scheduled) {
      persistence::delivery_change due{waiting_status(d)};
      due.event = d.message_id + " is due";
      deliveries.transition(d.id, {delivery_status::scheduled}, due);
    }
  ds = deliveries.deliveries_of_job(job_id);
  const auto now = domain::now_millis();
  std::map<std::int64_t, std::optional<domain::platform>> platforms;
  int wait = ctx.jobs.poll_interval_ms;
  bool open = false, started = false;
  for (const auto& d : ds) {
    if (domain::is_settled(d.status))
      continue;
    open = true;
    if (in_flight->contains(d.id))
      continue; // its send is running
    auto& p = platforms[d.platform_id];
    if (!p)
      p = deliveries.find_platform(d.platform_id);
    if (!p || !p->enabled)
      continue; // paused: held until resumed
    if (d.status != delivery_status::delivering && d.next_attempt_at > now) {
      wait = std::min<int>(wait, static_cast<int>(d.next_attempt_at - now));
      continue;
    }
    std::chrono::milliseconds gate_wait{0};
    auto slot = ctx.gate->try_acquire(*p, gate_wait);
    if (!slot) {
      wait = std::min<int>(wait, static_cast<int>(gate_wait.count()));
      continue;
    }
    // `delivering` without a send of ours: left by a crash; sent again under its MessageId.
    if (!in_flight->claim(d.id))
      continue;
    if (!start_send(ctx, d, *p)) {
      in_flight->finish(d.id);
      continue;
    }
    started = true;
    auto held = std::make_shared<platform_gate::slot>(std::move(*slot));
    ctx.sender->post([ctx, d, platform = *p, in_flight, me, held]() mutable {
      try {
        finish_send(ctx, d, platform);
        report_progress(ctx, d.job_id);
      } catch (const std::exception& e) {
        log::warn("recording a send failed", {{"delivery", std::to_string(d.id)}, {"error", e.what()}});
      }
      held.reset(); // the platform's slot is free again
      in_flight->finish(d.id);
      caf::anon_send(me, step_atom::value);
    });
  }
  if (started)
    return {step_outcome::progressed};
  if (open)
    return {step_outcome::wait, std::max(wait, 10)};
  complete(ctx, *job, ds);
  return {};
}

void load(self_ptr self) {
  const auto id = self->state.job_id;
  auto* store = self->state.ctx.store;
  off_thread(self, [id, store](const job_actor& me) {
    const auto job = store->find_job(id);
    if (!job || domain::is_terminal(job->status)) {
      caf::anon_send(me, finished_atom::value);
      return;
    }
    begin_attempt(*store, id, me);
  });
}

} // namespace

job_actor::behavior_type distribution_job(self_ptr self, job_context ctx, std::int64_t job_id) {
  init_job_actor(self, ctx, job_id);
  load(self);
  return {
    [=](started_atom, const std::string&, std::int64_t, std::int64_t) { self->send(self, step_atom::value); },
    [=](step_atom) {
      auto& st = self->state;
      if (st.stepping) {
        st.again = true; // one pass at a time; run another right after this one
        return;
      }
      st.stepping = true;
      const auto id = st.job_id;
      const auto context = st.ctx;
      const auto in_flight = st.in_flight;
      const auto me = caf::actor_cast<job_actor>(self);
      off_thread(self, context.sender, [id, context, in_flight, me](const job_actor&) {
        const auto outcome = next_step(context, id, in_flight, me);
        switch (outcome.kind) {
        case step_outcome::progressed:
          caf::anon_send(me, done_atom::value, std::int64_t{0}, true);
          break;
        case step_outcome::wait:
          caf::anon_send(me, done_atom::value, std::int64_t{outcome.wait_ms}, true);
          break;
        case step_outcome::finished:
          caf::anon_send(me, finished_atom::value);
          break;
        }
      });
    },
    [=](done_atom, std::int64_t wait_ms, bool) {
      auto& st = self->state;
      st.stepping = false;
      if (st.again || wait_ms == 0) {
        st.again = false;
        self->send(self, step_atom::value);
      } else {
        self->delayed_send(self, std::chrono::milliseconds(wait_ms), step_atom::value);
      }
    },
    [=](finished_atom) { self->quit(); },
    [=](failed_atom, const std::string& reason) { self->quit(caf::make_error(ec::unavailable, reason)); },
  };
}

} // namespace tunemantra::actors
