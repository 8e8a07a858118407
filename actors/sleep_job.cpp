#include "actors/sleep_job.hpp"

#include <chrono>

#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/ec.hpp"
#include "persistence/errors.hpp"

namespace tunemantra::actors {
namespace {

using self_ptr = job_actor::stateful_pointer<sleep_job_state>;

/// Runs `fn` on the executor; an exception becomes a failed_atom message to the actor.
template <class F>
void off_thread(self_ptr self, F fn) {
  auto handle = caf::actor_cast<job_actor>(self);
  self->state.ctx.executor->post([handle, fn = std::move(fn)]() mutable {
    try {
      fn(handle);
    } catch (const std::exception& e) {
      caf::anon_send(handle, failed_atom::value, std::string(e.what()));
    }
  });
}

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
    domain::job_update running{domain::job_status::running};
    running.count_attempt = true;
    running.progress = domain::job_progress{spec->steps, job->progress.done, 0};
    try {
      const auto updated = store->update_job(id, running);
      if (!updated) {
        caf::anon_send(me, finished_atom::value);
        return;
      }
      caf::anon_send(me, started_atom::value, updated->payload, updated->progress.done,
                     std::int64_t{updated->attempts});
    } catch (const persistence::invalid_transition&) {
      caf::anon_send(me, finished_atom::value); // cancelled meanwhile
    }
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
  self->state.ctx = ctx;
  self->state.job_id = job_id;
  self->set_exception_handler(
    [](caf::scheduled_actor*, std::exception_ptr& ep) -> caf::error { return error_from_exception(ep); });
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
        throw std::runtime_error("sleep job crashed on purpose before step " + std::to_string(next) + " (attempt "
                                 + std::to_string(st.attempt) + ")");
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
    [=](failed_atom, const std::string& reason) { self->quit(caf::make_error(ec::unavailable, reason)); },
  };
}

} // namespace tunemantra::actors
