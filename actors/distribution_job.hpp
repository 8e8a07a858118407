#pragma once
// The distribution job actor (kinds `distribution` and `takedown`): drives each delivery of its
// job through the connector, persisting every transition and a job event before acting on it.
// A crash leaves the row state to resume from: a delivery found `delivering` that no send on this
// node holds (sends_in_flight) is sent again under the same MessageId, which the platform dedupes. A job's
// deliveries are sent in parallel, each within its platform's concurrency and rate limits, so a
// slow platform holds only its own. Paused platforms hold their deliveries; failed sends are
// retried with a jittered, doubling backoff up to the platform's attempt budget.

#include <cstdint>
#include <atomic>
#include <memory>
#include <mutex>

#include "actors/context.hpp"
#include "actors/interfaces.hpp"

namespace tunemantra::actors {

struct delivery_package;

/// The job's release as sends need it, loaded once by the first send (shared with the sends).
struct package_cache {
  std::mutex mutex;
  std::shared_ptr<const delivery_package> package;
};

struct distribution_job_state {
  static inline constexpr const char* name = "distribution_job";
  job_context ctx;
  std::int64_t job_id = 0;
  std::shared_ptr<package_cache> package = std::make_shared<package_cache>();
  /// Deliveries the last pass left queued at a platform gate, which wakes the job when a slot
  /// frees; while there are any, a send that ends settled brings no pass of its own.
  std::shared_ptr<std::atomic<int>> queued = std::make_shared<std::atomic<int>>(0);
  bool stepping = false; ///< a step runs on the sender pool
  bool again = false;    ///< a send ended meanwhile: step once more right after
};

job_actor::behavior_type distribution_job(job_actor::stateful_pointer<distribution_job_state> self, job_context ctx,
                                          std::int64_t job_id);

} // namespace tunemantra::actors
