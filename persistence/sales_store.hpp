#pragma once
// Sales reports and their usage rows (migration 0009). An import registers the report with its job,
// writes rows in batches (each matched to the account's recording by ISRC and release by UPC as it
// is written), then either completes it (counts recorded) or fails it (rows deleted); only
// imported reports' rows count. A re-run clears what an interrupted run wrote.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/job.hpp"
#include "domain/sales_report.hpp"
#include "persistence/errors.hpp"

namespace tunemantra::persistence {

/// One file of a report as uploaded (a DSR may come in several: FileNumber of NumberOfFiles).
struct report_file {
  std::int64_t number = 1;
  std::string sha256;
  std::int64_t bytes = 0;
  std::string path; ///< on disk
  domain::millis received_at = 0;
};

struct sales_report {
  std::int64_t id = 0;
  std::int64_t account_id = 0;
  std::optional<std::int64_t> job_id;
  std::string format; ///< dsr or csv
  std::string sha256;
  std::string message_id; ///< DSR MessageId; empty for CSV
  std::string platform, usage_start, usage_end;
  std::string status = "importing"; ///< waiting (for more files), importing, imported, failed
  std::int64_t rows_total = 0;
  std::int64_t rows_unmatched = 0;
  std::string problems = "[]"; ///< JSON array of {line, message}
  std::string file_path;       ///< the upload on disk (a multi-file report: its first file received)
  std::int64_t number_of_files = 1;
  std::vector<report_file> files; ///< received, in file order
  domain::millis created_at = 0;
  std::optional<domain::millis> finished_at;
};

/// A usage row with what it matched: the account's recording (by ISRC) and release (by UPC/ICPN).
struct stored_usage {
  domain::sales::usage usage;
  std::optional<std::int64_t> recording_id, release_id;
};

/// The account's recordings by ISRC and releases by UPC, loaded once per import so rows are
/// matched as they are written (no second pass over the table).
struct match_keys {
  std::unordered_map<std::string, std::int64_t> recordings, releases;

  stored_usage match(domain::sales::usage u) const {
    stored_usage out{std::move(u), std::nullopt, std::nullopt};
    if (const auto it = recordings.find(out.usage.isrc); !out.usage.isrc.empty() && it != recordings.end())
      out.recording_id = it->second;
    if (const auto it = releases.find(out.usage.upc); !out.usage.upc.empty() && it != releases.end())
      out.release_id = it->second;
    return out;
  }
};

/// Usage summed for one group (a day, platform or territory) in one currency.
struct analytics_bucket {
  std::string key;
  std::string currency;
  std::int64_t streams = 0;   ///< quantity of use types naming a stream
  std::int64_t downloads = 0; ///< quantity of use types naming a download
  std::int64_t quantity = 0;  ///< every use type
  domain::sales::micros revenue = 0;
};

enum class analytics_group { day, platform, territory };

/// Daily totals of one matched recording/release, day, platform, territory and currency.
struct daily_total {
  std::optional<std::int64_t> recording_id, release_id;
  std::string day, platform, territory, currency;
  std::int64_t streams = 0, downloads = 0, quantity = 0;
  domain::sales::micros revenue = 0;
};

/// What an import counted while writing, so completing needs no pass over the rows: row counts,
/// and the daily totals unless there were too many groups to keep (then the store sums them).
struct import_totals {
  std::int64_t rows = 0, unmatched = 0;
  std::vector<daily_total> daily;
  bool daily_complete = true;
};

/// Sums rows into daily totals in memory, up to `max_groups` groups (then gives up: complete() false).
class daily_totals {
public:
  explicit daily_totals(std::size_t max_groups = 200'000) : max_(max_groups) {}
  void add(const stored_usage& row);
  /// The totals (in no particular order) and whether every row is in them.
  import_totals take();

private:
  std::size_t max_;
  bool overflow_ = false;
  std::int64_t rows_ = 0, unmatched_ = 0;
  std::unordered_map<std::string, daily_total> groups_;
};

/// What analytics reads: a recording's usage, or a release's (rows matched to it by UPC/ICPN, and
/// rows without a UPC whose recording is on it).
struct analytics_scope {
  bool release = false;
  std::int64_t id = 0;
  std::string from = "0000-01-01", to = "9999-12-31"; ///< usage start dates, inclusive
  analytics_group group = analytics_group::day;
};

/// The account already has this file (same SHA-256) or message (same MessageId), waiting, importing
/// or imported; or, for a file of a multi-file report, that file number, or a different NumberOfFiles.
class duplicate_report : public store_error {
public:
  duplicate_report(const std::string& what, std::int64_t existing) : store_error(what), existing_(existing) {}
  std::int64_t existing() const { return existing_; }

private:
  std::int64_t existing_;
};

class sales_store {
public:
  virtual ~sales_store() = default;
  /// Registers an upload and its import job in one transaction (the job's payload gets the
  /// report id); throws duplicate_report.
  virtual std::pair<sales_report, domain::job> create_report(const sales_report& r, domain::new_job job) = 0;
  /// A file of a multi-file DSR (`r.number_of_files` > 1, `file` its FileNumber): joins the account's
  /// waiting report of the same MessageId or starts one (`waiting`); the file that completes the set
  /// queues `job` and makes the report `importing`, in the same transaction. Throws duplicate_report
  /// (the file or message is already in, or the report has another NumberOfFiles).
  virtual std::pair<sales_report, std::optional<domain::job>> add_report_file(const sales_report& r,
                                                                              const report_file& file,
                                                                              domain::new_job job) = 0;
  virtual std::optional<sales_report> find_report(std::int64_t id, std::optional<std::int64_t> account = {}) = 0;
  /// Deletes the report's rows: a re-run after an interruption starts clean.
  virtual void clear_rows(std::int64_t report) = 0;
  /// The account's ISRCs and UPCs, for matching rows (match_keys::match) before insert_rows.
  virtual match_keys load_match_keys(std::int64_t account) = 0;
  /// Inserts rows of the report, as matched, in one transaction (revenue must be set on each);
  /// PostgreSQL takes them through COPY.
  virtual void insert_rows(const sales_report& r, const std::vector<stored_usage>& rows) = 0;
  /// Records platform, period and counts, writes the report's daily totals and marks it imported
  /// (its rows count from then), in one transaction. Without `totals` (or with incomplete daily
  /// totals) it counts and sums the rows in the database.
  virtual sales_report complete_report(std::int64_t report, const std::string& message_id, const std::string& platform,
                                       const std::string& usage_start, const std::string& usage_end,
                                       const import_totals* totals = nullptr) = 0;
  /// Marks the report failed with its problems (JSON array) and deletes its rows, in one transaction.
  virtual void fail_report(std::int64_t report, const std::string& problems_json) = 0;
  /// Up to `limit` unmatched rows in line order.
  virtual std::vector<stored_usage> unmatched_rows(std::int64_t report, int limit) = 0;
  /// Matched usage (imported reports only) in the scope, per group key and currency, in key order.
  virtual std::vector<analytics_bucket> analytics(const analytics_scope& scope) = 0;
};

} // namespace tunemantra::persistence
