#pragma once
// Importing one uploaded sales report in one pass: each line is checked, each usage row matched to
// the account's recording and release and (for a DSR) given its share of its summary's revenue by
// running totals, and rows are written in batches on a writer thread while parsing goes on. A file
// with any problem is refused whole: writing stops at the first problem and what was written is
// deleted, so no row of it ever counts. Idempotent: a run after an interruption clears what the
// last one wrote.

#include <cstdint>
#include <functional>
#include <string>

#include "persistence/store.hpp"

namespace tunemantra::persistence {

struct sales_import_outcome {
  bool imported = false;
  sales_report report;        ///< as stored at the end
  std::int64_t problems = 0;  ///< all problems found (report.problems lists the first 100)
  std::int64_t lines = 0;
};

/// `progress(done, total)` is called between batches (bytes of the file written, of its size), at
/// most every 250 ms, and returns false to stop (the job was cancelled): then nothing counts and
/// the report stays importing.
sales_import_outcome import_sales_report(store& db, const sales_report& report,
                                         const std::function<bool(std::int64_t, std::int64_t)>& progress,
                                         std::size_t batch_rows = 50000);

} // namespace tunemantra::persistence
