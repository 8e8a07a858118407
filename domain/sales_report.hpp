#pragma once
// Sales reports as platforms send them: the DDEX DSR flat file (every profile version whose
// layouts are in domain/dsr_layouts.tsv, see docs/sales-reports.md) and TuneMantra's CSV format (docs/sales-reports.md). Both parsers
// take one line at a time, so a file of any size streams through with memory bounded by its
// summaries and the current block, and hand each usage row to a callback. Every problem is kept
// with its line number; a file with any problem must be rejected whole by the caller.
//
// Money is exact: amounts are integer micro-units (millionths of the currency unit).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tunemantra::domain::sales {

using micros = std::int64_t;

/// "12", "-3.5", "0.000001" -> micro-units. Digits beyond the sixth decimal are rounded half to
/// even. nullopt for anything else (exponents, thousands separators, empty, out of range).
std::optional<micros> parse_micros(std::string_view text);
/// micro-units -> "12.500000".
std::string format_micros(micros amount);

/// Splits `total` over `weights` in proportion, in whole micro-units, by the largest-remainder
/// method: each share is floor(total * weight / sum), and the micro-units left over go one each to
/// the largest remainders (ties to the earlier index). The shares always add up to `total`
/// exactly. All weights zero (or none): everything to the first, or an empty result.
std::vector<micros> allocate(micros total, const std::vector<std::int64_t>& weights);

/// `amount * numerator / denominator`, rounded half to even (denominator > 0); exact in between.
micros scale_half_even(micros amount, std::int64_t numerator, std::int64_t denominator);

/// Splits `total` over weights that arrive one at a time and add up to `weight_total`, in whole
/// micro-units, with no look-ahead (a streaming import): after k weights the shares handed out add
/// up to total x (w1 + ... + wk) / weight_total rounded half to even. So each share is within one
/// micro-unit of exact, and once the weights reach `weight_total` the shares add up to `total`
/// exactly. A zero `weight_total` gives everything to the first weight.
class running_allocation {
public:
  running_allocation(micros total, std::int64_t weight_total) : total_(total), weight_total_(weight_total) {}
  micros next(std::int64_t weight);

private:
  micros total_;
  std::int64_t weight_total_;
  std::int64_t seen_ = 0;
  micros given_ = 0;
  bool first_ = true;
};

struct problem {
  long long line = 0; ///< 1-based; 0 for the file as a whole
  std::string message;
  long long file = 1; ///< a multi-file DSR: the file (FileNumber) the line is in; 0 for the report as a whole
};

/// The problems of one file: the first `max` kept, all counted.
class problem_list {
public:
  explicit problem_list(std::size_t max) : max_(max) {}
  void add(long long line, std::string message, long long file = 1);
  bool empty() const { return count_ == 0; }
  const std::vector<problem>& kept() const { return kept_; }
  long long count() const { return count_; }

private:
  std::size_t max_;
  std::vector<problem> kept_;
  long long count_ = 0;
};

/// One usage line, as imported.
struct usage {
  long long file = 1; ///< DSR: the file of a multi-file report the line is in
  long long line = 0;
  std::string platform;    ///< the reporting service (DSR: HEAD SenderName; CSV: platform)
  std::string territory;   ///< ISO 3166-1 alpha-2, or "Worldwide"
  std::string usage_start; ///< YYYY-MM-DD
  std::string usage_end;   ///< YYYY-MM-DD
  std::string isrc;        ///< normalised, may be empty when the platform did not send one
  std::string upc;         ///< ICPN of the release, may be empty
  std::string use_type;    ///< e.g. OnDemandStream, PermanentDownload (CSV: stream|download|...)
  std::int64_t quantity = 0;
  std::optional<micros> revenue; ///< CSV: on the row; DSR: allocated from the summary (allocate_revenue)
  std::string currency;
  std::string summary_id; ///< DSR: the summary record it belongs to
  std::string iswc;       ///< DSR: the musical work of the resource (MW01 / AS02), when given
  std::string work_title;
};

/// A DSR summary record (SYxx of any kind): where the revenue of its usage rows comes from.
struct summary {
  long long line = 0;
  std::string id, record_type, channel, commercial_model, use_type, territory, currency;
  /// The usages its revenue is shared over: the first of Usages, UsagesInReportingPeriod,
  /// UsagesInSubPeriod, AllocatedUsages, TotalUsages that the record gives.
  std::int64_t total_usages = 0;
  micros net_revenue = 0;       ///< NetRevenue, or AllocatedNetRevenue for a layout without it
  std::int64_t usages_seen = 0; ///< usages of the rows that share its revenue
};

/// Summaries by SummaryRecordId, looked up by a view of the cell.
using summary_map = std::map<std::string, summary, std::less<>>;

struct dsr_header {
  std::string message_id, sender, recipient, usage_start, usage_end, profile, profile_version;
  std::int64_t file_number = 1, number_of_files = 1;
};

struct profile_layout;
struct record_layout;

/// The DSR flat-file reader, by profile and version as DDEX's XSDs define them (domain/dsr_profile.hpp):
/// HEAD's Profile and ProfileVersion choose the record layouts, every cell is checked against
/// its layout, and the records are read by cell name. Feed every line in order (without its
/// line end; a trailing CR is dropped), then finish().
///
/// A report in several files (DSR Part 1 §6.3) is read as one message: feed file 1, next_file(),
/// file 2 ... in FileNumber order. Every file has its HEAD (the same message), the same summaries,
/// blocks of its own (none split or repeated across files) and its FOOT; usages share their
/// summary's revenue across all files, and the report counts are checked at the end.
class dsr_parser {
public:
  using sink = std::function<void(const usage&)>;
  explicit dsr_parser(sink on_usage, std::size_t max_problems = 100);
  ~dsr_parser();

  void line(std::string_view text);
  /// Ends the file being read; the next line is the HEAD of the report's next file.
  void next_file();
  /// Ends the last file and checks what only the end can tell: FOOT present, every file read,
  /// the report's counts, usages per summary.
  void finish();

  bool ok() const { return problems_.empty(); }
  const std::vector<problem>& problems() const { return problems_.kept(); }
  /// Problems beyond max_problems are counted, not kept.
  long long problem_count() const { return problems_.count(); }
  /// The first file's HEAD (the message's).
  const dsr_header& header() const { return header_; }
  const summary_map& summaries() const { return summaries_; }
  /// Lines of every file read so far.
  long long lines() const { return report_lines_; }

private:
  struct block_state;
  struct report_count {
    long long file, line, said;
    std::string name;
  };
  void fail(std::string message) { problems_.add(line_, std::move(message), file_); }
  void end_file();
  void on_head(const std::vector<std::string_view>& cells);
  bool same_message(const dsr_header& h);
  bool check_cells(const record_layout& layout, const std::vector<std::string_view>& cells);
  void on_summary(const record_layout& layout, const std::vector<std::string_view>& cells);
  void on_block_record(const record_layout& layout, const std::vector<std::string_view>& cells);
  void start_block(std::string_view id);
  void on_usage(const record_layout& layout, const std::vector<std::string_view>& cells);
  void on_foot(const record_layout& layout, const std::vector<std::string_view>& cells);
  const record_layout* layout_of(std::string_view type);

  sink on_usage_;
  problem_list problems_;
  // The file being read: its number (1-based, in the order fed), its lines, records and blocks.
  long long file_ = 1, line_ = 0, records_ = 0, blocks_ = 0, file_summaries_ = 0;
  bool head_seen_ = false, foot_seen_ = false, file_ended_ = false;
  // The report: every file so far.
  long long report_lines_ = 0, report_blocks_ = 0;
  std::vector<report_count> report_counts_; ///< FOOT's ...InReport cells, checked at the end
  std::map<std::string, long long, std::less<>> block_files_; ///< a multi-file report: BlockId -> its file
  const profile_layout* profile_ = nullptr;
  bool halted_ = false; ///< an unsupported profile or a missing HEAD: nothing more is read
  dsr_header header_;
  summary_map summaries_;
  std::unique_ptr<block_state> block_;
  std::string last_type_;                 ///< records come in runs: the last type looked up ...
  const record_layout* last_layout_ = nullptr; ///< ... and its layout
};

/// What an upload needs from a DSR's HEAD record line before it is read: which message, and which
/// file of it. FileNumber and NumberOfFiles are 1 when the line does not say (the import then
/// refuses the file with the reason).
struct dsr_file_head {
  std::string message_id;
  std::int64_t file_number = 1, number_of_files = 1;
};
dsr_file_head read_dsr_head(std::string_view line);

/// The MessageId of a DSR's HEAD record line (tab-separated, CR allowed); empty when `line` is not
/// a HEAD record or has no MessageId cell.
std::string dsr_message_id(std::string_view line);

/// TuneMantra's CSV: a header line naming the columns (any order; names below), then one usage
/// per line; RFC 4180 quoting. Columns: platform, period (YYYY-MM-DD, YYYY-MM or
/// YYYY-MM-DD--YYYY-MM-DD), territory, isrc, upc, use_type, quantity, net_revenue, currency.
class csv_parser {
public:
  using sink = std::function<void(const usage&)>;
  explicit csv_parser(sink on_usage, std::size_t max_problems = 100);

  void line(std::string_view text);
  void finish();

  bool ok() const { return problems_.empty(); }
  const std::vector<problem>& problems() const { return problems_.kept(); }
  long long problem_count() const { return problems_.count(); }
  long long lines() const { return line_; }
  long long rows() const { return rows_; }

private:
  void fail(std::string message) { problems_.add(line_, std::move(message)); }

  sink on_usage_;
  problem_list problems_;
  long long line_ = 0, rows_ = 0;
  std::map<std::string, std::size_t> columns_; ///< empty until the header is read
};

/// Splits one CSV line (RFC 4180 quoting, no embedded line breaks); nullopt when a quote is unbalanced.
std::optional<std::vector<std::string>> split_csv(std::string_view line);

/// A reporting period -> first and last day: YYYY-MM-DD, YYYY-MM, YYYY, YYYY-Qn or d1--d2.
std::optional<std::pair<std::string, std::string>> parse_period(std::string_view text);

} // namespace tunemantra::domain::sales
