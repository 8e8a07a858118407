#pragma once
// The distribution job actor (kinds `distribution` and `takedown`): drives each delivery of its
// job through the connector, persisting every transition and a job event before acting on it.
// A crash leaves the row state to resume from: a delivery found `delivering` is sent again under
// the same MessageId, which the platform dedupes. Paused platforms hold their deliveries; failed
// sends are retried with a doubling backoff up to the platform's attempt budget.

#include <cstdint>

#include "actors/context.hpp"
#include "actors/interfaces.hpp"

namespace tunemantra::actors {

struct distribution_job_state {
  static inline constexpr const char* name = "distribution_job";
  job_context ctx;
  std::int64_t job_id = 0;
};

job_actor::behavior_type distribution_job(job_actor::stateful_pointer<distribution_job_state> self, job_context ctx,
                                          std::int64_t job_id);

} // namespace tunemantra::actors
