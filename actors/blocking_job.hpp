#pragma once
// Job actors whose whole work is one blocking call on the executor: `sales_import` (import one
// uploaded sales report) and `royalty_calculation` (calculate one royalty period). The actor
// starts an attempt, runs the work off the CAF threads and quits; the work itself ends the job
// through the store. Both are safe to run again after a crash: an import starts from a clean
// slate, a calculation writes its statements in one transaction.

#include <cstdint>
#include <string>

#include "actors/context.hpp"
#include "actors/interfaces.hpp"

namespace tunemantra::actors {

/// The work of one job: (store, job id, job payload). Ends the job itself.
using blocking_work = void (*)(persistence::store&, std::int64_t, const std::string&);

struct blocking_job_state {
  static inline constexpr const char* name = "blocking_job";
  job_context ctx;
  std::int64_t job_id = 0;
};

job_actor::behavior_type blocking_job(job_actor::stateful_pointer<blocking_job_state> self, job_context ctx,
                                      std::int64_t job_id, blocking_work work);

/// Ends the job with `update`, unless it was cancelled meanwhile (the cancellation stands).
void end_job(persistence::store& store, std::int64_t job, domain::job_update update);

/// persistence/sales_import on the report in the payload; succeeded with counts and the first
/// unmatched rows, or failed with the file's problems by line.
void run_sales_import(persistence::store& store, std::int64_t job, const std::string& payload);

/// Releases what a job held once the supervisor gave up on it (the job is already failed): a
/// sales import's report is failed too, so it stops holding its file's SHA-256 and MessageId and
/// a corrected file can be sent. Other kinds hold nothing beyond their row.
void abandon_job(persistence::store& store, const std::string& kind, std::int64_t job, const std::string& reason);

/// domain::royalties::calculate on the period in the payload; succeeded with its totals, or
/// failed (the period back to open) with what was missing.
void run_royalty_calculation(persistence::store& store, std::int64_t job, const std::string& payload);

} // namespace tunemantra::actors
