#pragma once
// Every typed actor interface of tunemantrad (house style item 1), one comment line per handler.

#include <cstdint>
#include <string>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/type_ids.hpp"

namespace tunemantra::actors {

/// The root supervisor: owns, monitors and restarts one actor per active job.
using supervisor_actor = caf::typed_actor<
  // Gives the job (id, kind), claimed under lease epoch n, an actor unless it has one; true when spawned.
  caf::replies_to<adopt_atom, std::int64_t, std::string, std::int64_t>::with<bool>,
  // Stops the job's actor after the store marked it cancelled; true when one was running.
  caf::replies_to<cancel_atom, std::int64_t>::with<bool>,
  // Stops the job's actor with an error, as a crash, so it restarts from the store; true when one ran.
  caf::replies_to<kick_atom, std::int64_t>::with<bool>,
  // Liveness probe (systemd watchdog, /readyz): the number of live job actors.
  caf::replies_to<ping_atom>::with<std::int64_t>,
  // Looks in the store for due, new and orphaned jobs now.
  caf::reacts_to<poll_atom>,
  // The periodic poll; re-arms itself.
  caf::reacts_to<tick_atom>,
  // Restarts a crashed job once its backoff has passed: records the restart (sent to itself).
  caf::reacts_to<restart_atom, std::int64_t>,
  // Spawns the actor of a known job whose restart is recorded (sent to itself).
  caf::reacts_to<adopt_atom, std::int64_t>,
  // The store now says the job failed (restart limit, unknown kind): forget it (sent to itself).
  caf::reacts_to<failed_atom, std::int64_t>,
  // The periodic heartbeat: renews this node's row and leases, takes or keeps the leader lease.
  caf::reacts_to<beat_atom>,
  // The lease (job, epoch) is no longer ours (taken over, or the job ended elsewhere): stop its actor.
  caf::reacts_to<lost_atom, std::int64_t, std::int64_t>,
  // Another process took this node's id: stop every job actor and claim nothing more.
  caf::reacts_to<lost_atom>,
  // After a heartbeat: whether this node holds the leader lease, and when its leases were renewed
  // (the beat's start; 0 when the beat failed).
  caf::reacts_to<lead_atom, bool, std::int64_t>,
  // Orderly shutdown: stops every job actor, answers when they are gone, then quits.
  caf::replies_to<shutdown_atom>::with<bool>>;

/// One active job. Each job kind implements this interface with its own behaviour.
using job_actor = caf::typed_actor<
  // The row is loaded and marked running: its payload, steps done so far, attempt number.
  caf::reacts_to<started_atom, std::string, std::int64_t, std::int64_t>,
  // Runs the next step.
  caf::reacts_to<step_atom>,
  // Step n was persisted (true), or the job stopped running meanwhile (false).
  caf::reacts_to<done_atom, std::int64_t, bool>,
  // The job reached its terminal status in the store: the actor ends normally.
  caf::reacts_to<finished_atom>,
  // Work on the executor threw this reason (transient: the store could not be reached): the actor
  // ends with an error and gets restarted; a deterministic error that repeats ends the job.
  caf::reacts_to<failed_atom, std::string, bool>,
  // A write was refused because another node holds the job's lease now: the actor ends, no restart.
  caf::reacts_to<lost_atom, std::string>>;

} // namespace tunemantra::actors
