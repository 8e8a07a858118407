#pragma once
// Importing one uploaded sales report: parse the whole file first (a file with any problem is
// refused whole and leaves no rows), then, for a DSR, split each summary's revenue over its usage
// rows (largest remainder, in line order), and read the file again writing rows in batches.
// Idempotent: a run after an interruption clears what the last one wrote.

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

/// `progress(done, total)` is called between batches (lines written of the file's lines), at most
/// every 250 ms and after the last, and returns false to stop (the job was cancelled): then
/// nothing counts and the report stays importing.
sales_import_outcome import_sales_report(store& db, const sales_report& report,
                                         const std::function<bool(std::int64_t, std::int64_t)>& progress,
                                         std::size_t batch_rows = 50000);

} // namespace tunemantra::persistence
