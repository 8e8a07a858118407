#include "actors/sleep_job.hpp"

#include <chrono>

#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/ec.hpp"
#include "actors/off_thread.hpp"
#include "persistence/errors.hpp"

namespace tunemantra::actors {
namespace {

using self_ptr = job_actor::stateful_pointer<sleep_job_state>;

/// Loads the job, checks its payload and marks it running (one more attempt).
void load(self_ptr self) {
  const auto id = self->state.job_id;
  auto* store = self->state.ctx.store;
  off_thread(self, [id, store](const job_actor& me) {
    const auto job = store->find_job(id);
    if (!job || domain::is_terminal(job->status)) {
      caf::anon_send(me, finished_atom::value);
      return;
    }
    std::string why;
    const auto spec = domain::parse_sleep_spec(job->payload, why);
    if (!spec) {
      store->update_job(id, domain::job_update{domain::job_status::failed, "invalid sleep payload: " + why});
      caf::anon_send(me, finished_atom::value);
      return;
    }
    begin_attempt(*store, id, me, domain::job_progress{spec->steps, job->progress.done, 0});
  });
}

void schedule_step(self_ptr self) {
  self->delayed_send(self, std::chrono::milliseconds(self->state.spec.step_ms), step_atom::value);
}

void complete(self_ptr self) {
  const auto id = self->state.job_id;
  const auto steps = self->state.spec.steps;
  auto* store = self->state.ctx.store;
  off_thread(self, [id, steps, store](const job_actor& me) {
    domain::job_update done{domain::job_status::succeeded};
    done.result = R"({"steps":)" + std::to_string(steps) + "}";
    done.progress = domain::job_progress{steps, steps, 0};
    try {
      store->update_job(id, done);
    } catch (const persistence::invalid_transition&) {
      // cancelled after its last step: the cancellation stands
    }
    caf::anon_send(me, finished_atom::value);
  });
}

} // namespace

job_actor::behavior_type sleep_job(self_ptr self, job_context ctx, std::int64_t job_id) {
  init_job_actor(self, ctx, job_id);
  load(self);
  return {
    [=](started_atom, const std::string& payload, std::int64_t done, std::int64_t attempt) {
      std::string why;
      auto spec = domain::parse_sleep_spec(payload, why); // load() validated it already
      if (!spec) {
        self->quit(caf::make_error(ec::internal, "sleep payload became invalid: " + why));
        return;
      }
      self->state.spec = *spec;
      self->state.done = done;
      self->state.attempt = attempt;
      if (done >= spec->steps)
        complete(self);
      else
        schedule_step(self);
    },
    [=](step_atom) {
      auto& st = self->state;
      const auto next = static_cast<int>(st.done + 1);
      if (domain::sleep_should_crash(st.spec, static_cast<int>(st.attempt), next))
        throw std::runtime_error("sleep job crashed on purpose before step " + std::to_string(next)
                                 + (st.spec.crash_same ? "" : " (attempt " + std::to_string(st.attempt) + ")"));
      const auto id = st.job_id;
      const auto total = st.spec.steps;
      auto* store = st.ctx.store;
      off_thread(self, [id, next, total, store](const job_actor& me) {
        const bool recorded = store->record_sleep_step(id, next, total);
        caf::anon_send(me, done_atom::value, std::int64_t{next}, recorded);
      });
    },
    [=](done_atom, std::int64_t step, bool recorded) {
      if (!recorded) {
        self->quit(); // cancelled or failed elsewhere: stop without writing anything
        return;
      }
      self->state.done = step;
      if (step >= self->state.spec.steps)
        complete(self);
      else
        schedule_step(self);
    },
    [=](finished_atom) { self->quit(); },
    [=](failed_atom, const std::string& reason, bool transient) { self->quit(job_exit(reason, transient)); },
    [=](lost_atom, const std::string& reason) { self->quit(caf::make_error(ec::lease_lost, reason)); },
  };
}

} // namespace tunemantra::actors
