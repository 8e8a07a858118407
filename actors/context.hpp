#pragma once
// What every job actor shares: the store, the executor that runs blocking store calls off the
// CAF threads, the supervision settings and the counters /metrics reads.

#include <atomic>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>

#include <caf/error.hpp>

#include "config/config.hpp"
#include "persistence/executor.hpp"
#include "persistence/group_commit.hpp"
#include "persistence/lease.hpp"
#include "persistence/store.hpp"

namespace tunemantra::actors {

struct runtime_stats {
  std::atomic<std::int64_t> live_job_actors{0};
  std::atomic<std::uint64_t> restarts{0};          ///< job actors restarted after a crash
  std::atomic<std::uint64_t> restart_limit_hits{0}; ///< jobs failed for crashing too often
};

class platform_gate;
class sends_in_flight;

struct job_context {
  persistence::store* store = nullptr;
  persistence::executor* executor = nullptr;
  persistence::executor* sender = nullptr; ///< connector sends (distribution jobs)
  persistence::executor* renewals = nullptr; ///< the heartbeat alone: never queued behind work
  platform_gate* gate = nullptr;           ///< per-platform concurrency and rate limits
  persistence::group_commit* commits = nullptr; ///< delivery transitions, committed in groups
  sends_in_flight* in_flight = nullptr;         ///< connector sends running now, by delivery
  runtime_stats* stats = nullptr;
  config::jobs_config jobs;
  config::delivery_config delivery;
  std::string media_dir; ///< where uploaded audio and artwork are stored
  /// The lease a job actor runs under (set per actor by the supervisor): its writes are fenced by it.
  std::optional<persistence::job_lease> lease;
};

/// The human-readable reason inside an actor error (its context string), or the error's text.
std::string describe(const caf::error& err);

/// The exit reason for an exception that escaped an actor: ec::internal with the exception text.
caf::error error_from_exception(std::exception_ptr& ep);

} // namespace tunemantra::actors
