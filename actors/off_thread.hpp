#pragma once
// Blocking work for a job actor: runs on the executor, never on a CAF thread, and answers the
// actor by message. Its writes are fenced by the job's lease (persistence/lease.hpp). An exception
// becomes failed_atom (marked transient when the store could not be reached), which ends the actor
// with an error so the supervisor restarts it (see job_exit); a write
// refused for a lost lease becomes lost_atom, which ends it for good.

#include <cstdint>
#include <exception>
#include <optional>
#include <string>

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include "actors/context.hpp"
#include "actors/ec.hpp"
#include "actors/interfaces.hpp"
#include "domain/job.hpp"
#include "persistence/errors.hpp"
#include "persistence/lease.hpp"
#include "persistence/store.hpp"

namespace tunemantra::actors {

template <class Self, class F>
void off_thread(Self self, persistence::executor* on, F fn) {
  auto handle = caf::actor_cast<job_actor>(self);
  on->post([handle, lease = self->state.ctx.lease, fn = std::move(fn)]() mutable {
    try {
      persistence::fenced_scope fenced{lease};
      fn(handle);
    } catch (const persistence::lease_lost& e) {
      caf::anon_send(handle, lost_atom::value, std::string(e.what()));
    } catch (const persistence::store_unavailable& e) {
      caf::anon_send(handle, failed_atom::value, std::string(e.what()), true);
    } catch (const std::exception& e) {
      caf::anon_send(handle, failed_atom::value, std::string(e.what()), false);
    }
  });
}

/// The same on the database workers.
template <class Self, class F>
void off_thread(Self self, F fn) {
  off_thread(self, self->state.ctx.executor, std::move(fn));
}

/// The common start of a job actor: its context and job id in the state, and exceptions that
/// escape a handler turned into an error exit (which the supervisor answers with a restart).
template <class Self>
void init_job_actor(Self self, const job_context& ctx, std::int64_t job_id) {
  self->state.ctx = ctx;
  self->state.job_id = job_id;
  self->set_exception_handler(
    [](caf::scheduled_actor*, std::exception_ptr& ep) -> caf::error { return error_from_exception(ep); });
}

/// How a job actor ends after failed_atom: a transient failure as ec::unavailable, any other as
/// ec::internal (the supervisor ends a job whose internal error repeats instead of retrying it).
inline caf::error job_exit(const std::string& reason, bool transient) {
  return caf::make_error(transient ? ec::unavailable : ec::internal, reason);
}

/// Marks the job running for one more attempt (with `progress` when given) and tells the actor:
/// started_atom with the payload, steps done and attempt number, or finished_atom when the job
/// has ended or was cancelled meanwhile. Runs on the executor.
void begin_attempt(persistence::store& store, std::int64_t id, const job_actor& me,
                   std::optional<domain::job_progress> progress = std::nullopt);

} // namespace tunemantra::actors
