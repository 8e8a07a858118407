#pragma once
// The `sales_import` job actor: imports one uploaded sales report (persistence/sales_import) on
// the executor and ends the job succeeded (counts and the first unmatched rows in its result) or
// failed (the file's problems, by line). A restart after a crash runs the import again from a
// clean slate.

#include <cstdint>

#include "actors/context.hpp"
#include "actors/interfaces.hpp"

namespace tunemantra::actors {

struct sales_import_state {
  static inline constexpr const char* name = "sales_import_job";
  job_context ctx;
  std::int64_t job_id = 0;
};

job_actor::behavior_type sales_import_job(job_actor::stateful_pointer<sales_import_state> self, job_context ctx,
                                          std::int64_t job_id);

} // namespace tunemantra::actors
