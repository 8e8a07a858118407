#pragma once
// The distribution job actor (kinds `distribution` and `takedown`): drives each delivery of its
// job through the connector, persisting every transition and a job event before acting on it.
// A crash leaves the row state to resume from: a delivery found `delivering` that no send on this
// node holds (sends_in_flight) is sent again under the same MessageId, which the platform dedupes. A job's
// deliveries are sent in parallel, each within its platform's concurrency and rate limits, so a
// slow platform holds only its own. Paused platforms hold their deliveries; failed sends are
// retried with a jittered, doubling backoff up to the platform's attempt budget.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "actors/context.hpp"
#include "actors/interfaces.hpp"

namespace tunemantra::actors {

struct delivery_package;

/// The job's releases as sends need them, each loaded by the first send of it (shared with the
/// sends): one for a distribution, the latest few of a bulk job's many.
struct package_cache {
  static constexpr std::size_t kept = 64;
  std::mutex mutex;
  std::map<std::int64_t, std::shared_ptr<const delivery_package>> by_release;
};

/// Deliveries waiting at a gate (thread-safe). An id goes in before the gate is asked (so a
/// hand-off that comes at once finds it) and out when its hand-off comes or the gate answers
/// without queueing it.
class gated_deliveries {
public:
  void add(std::int64_t delivery) {
    std::lock_guard lock(mutex_);
    ids_.insert(delivery);
  }
  void remove(std::int64_t delivery) {
    std::lock_guard lock(mutex_);
    ids_.erase(delivery);
  }
  bool empty() const {
    std::lock_guard lock(mutex_);
    return ids_.empty();
  }

private:
  mutable std::mutex mutex_;
  std::set<std::int64_t> ids_;
};

struct distribution_job_state {
  static inline constexpr const char* name = "distribution_job";
  job_context ctx;
  std::int64_t job_id = 0;
  std::shared_ptr<package_cache> package = std::make_shared<package_cache>();
  /// A distribution's deliveries waiting at a platform gate for a slot, which starts them when
  /// one frees; while there are any, a send that ends settled brings no pass of its own.
  std::shared_ptr<gated_deliveries> gated = std::make_shared<gated_deliveries>();
  bool stepping = false; ///< a step runs on the sender pool
  bool again = false;    ///< a send ended meanwhile: step once more right after
};

job_actor::behavior_type distribution_job(job_actor::stateful_pointer<distribution_job_state> self, job_context ctx,
                                          std::int64_t job_id);

} // namespace tunemantra::actors
