#pragma once
// The distribution job actor (kinds `distribution` and `takedown`): drives each delivery of its
// job through the connector, persisting every transition and a job event before acting on it.
// A crash leaves the row state to resume from: a delivery found `delivering` that no send of this
// actor holds is sent again under the same MessageId, which the platform dedupes. A job's
// deliveries are sent in parallel, each within its platform's concurrency and rate limits, so a
// slow platform holds only its own. Paused platforms hold their deliveries; failed sends are
// retried with a jittered, doubling backoff up to the platform's attempt budget.

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>

#include "actors/context.hpp"
#include "actors/interfaces.hpp"

namespace tunemantra::actors {

/// Deliveries of one job whose send is running on the sender pool (shared with those sends).
struct sends_in_flight {
  std::mutex mutex;
  std::set<std::int64_t> ids;
  bool claim(std::int64_t id) {
    std::lock_guard lock(mutex);
    return ids.insert(id).second;
  }
  void finish(std::int64_t id) {
    std::lock_guard lock(mutex);
    ids.erase(id);
  }
  bool contains(std::int64_t id) {
    std::lock_guard lock(mutex);
    return ids.count(id) > 0;
  }
};

struct distribution_job_state {
  static inline constexpr const char* name = "distribution_job";
  job_context ctx;
  std::int64_t job_id = 0;
  std::shared_ptr<sends_in_flight> in_flight = std::make_shared<sends_in_flight>();
  bool stepping = false; ///< a step runs on the sender pool
  bool again = false;    ///< a send ended meanwhile: step once more right after
};

job_actor::behavior_type distribution_job(job_actor::stateful_pointer<distribution_job_state> self, job_context ctx,
                                          std::int64_t job_id);

} // namespace tunemantra::actors
