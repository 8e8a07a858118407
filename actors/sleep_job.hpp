#pragma once
// The diagnostic `sleep` job actor: runs a sleep job's steps, each persisted once, and crashes on
// purpose when its payload says so. It exercises supervision and crash recovery end to end.

#include <cstdint>

#include "actors/context.hpp"
#include "actors/interfaces.hpp"
#include "domain/sleep_job.hpp"

namespace tunemantra::actors {

struct sleep_job_state {
  static inline constexpr const char* name = "sleep_job";
  job_context ctx;
  std::int64_t job_id = 0;
  domain::sleep_spec spec;
  std::int64_t done = 0;
  std::int64_t attempt = 0;
};

job_actor::behavior_type sleep_job(job_actor::stateful_pointer<sleep_job_state> self, job_context ctx,
                                   std::int64_t job_id);

} // namespace tunemantra::actors
