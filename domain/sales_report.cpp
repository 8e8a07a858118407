#include "domain/sales_report.hpp"

#include <algorithm>
#include <charconv>
#include <numeric>
#include <stdexcept>

#include "domain/auth.hpp"
#include "domain/catalog.hpp"
#include "domain/identifiers.hpp"
#include "domain/text.hpp"
#include "domain/time.hpp"

namespace tunemantra::domain::sales {

namespace {

constexpr micros unit = 1'000'000;

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::int64_t> parse_count(std::string_view text) {
  if (!all_digits(text) || text.size() > 15)
    return std::nullopt;
  std::int64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  for (;;) {
    const auto end = line.find('\t', start);
    cells.push_back(line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos)
      return cells;
    start = end + 1;
  }
}

std::string_view cell(const std::vector<std::string_view>& cells, std::size_t i) {
  return i < cells.size() ? cells[i] : std::string_view{};
}

/// The calendar year now, worked out again at most once a minute (ISRC checks ask per line).
int current_year() {
  thread_local millis checked = 0;
  thread_local int year = 0;
  const auto now = now_millis();
  if (year == 0 || now - checked > 60'000) {
    year = std::stoi(format_rfc3339(now).substr(0, 4));
    checked = now;
  }
  return year;
}

bool is_territory(std::string_view t) { return t == "Worldwide" || is_country_code(t); }

int days_in_month(int year, int month) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

std::string two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }

std::string_view strip_cr(std::string_view text) {
  if (!text.empty() && text.back() == '\r')
    text.remove_suffix(1);
  return text;
}

/// Text from a file is UTF-8 or the line is refused: nothing stored may be unreadable later.
std::optional<std::string> utf8_problem(std::string_view text) {
  const auto at = invalid_utf8_at(text);
  if (at == std::string_view::npos)
    return std::nullopt;
  static constexpr char hex[] = "0123456789ABCDEF";
  const auto byte = static_cast<unsigned char>(text[at]);
  return std::string("the line is not UTF-8: byte 0x") + hex[byte >> 4] + hex[byte & 15] + " at column "
         + std::to_string(at + 1);
}

} // namespace

std::optional<micros> parse_micros(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  const auto dot = text.find('.');
  const auto whole = text.substr(0, dot);
  const auto fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() && fraction.empty())
    return std::nullopt;
  if ((!whole.empty() && !all_digits(whole)) || (dot != std::string_view::npos && !all_digits(fraction)) || whole.size() > 12)
    return std::nullopt;
  micros value = 0;
  for (char c : whole)
    value = value * 10 + (c - '0');
  value *= unit;
  micros frac = 0;
  for (std::size_t i = 0; i < 6; ++i)
    frac = frac * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  value += frac;
  if (fraction.size() > 6) { // round half to even on what is cut off
    const auto rest = fraction.substr(6);
    const bool above_half = rest[0] > '5' || (rest[0] == '5' && rest.find_first_not_of('0', 1) != std::string_view::npos);
    const bool exactly_half = rest[0] == '5' && rest.find_first_not_of('0', 1) == std::string_view::npos;
    if (above_half || (exactly_half && value % 2 == 1))
      ++value;
  }
  return negative ? -value : value;
}

std::string format_micros(micros amount) {
  const bool negative = amount < 0;
  const auto abs = negative ? -static_cast<__int128>(amount) : static_cast<__int128>(amount);
  const auto whole = static_cast<long long>(abs / unit);
  auto frac = std::to_string(static_cast<long long>(abs % unit));
  return (negative ? "-" : "") + std::to_string(whole) + "." + std::string(6 - frac.size(), '0') + frac;
}

std::vector<micros> allocate(micros total, const std::vector<std::int64_t>& weights) {
  std::vector<micros> shares(weights.size(), 0);
  if (weights.empty())
    return shares;
  __int128 sum = 0;
  for (auto w : weights) {
    if (w < 0)
      throw std::invalid_argument("allocate: negative weight");
    sum += w;
  }
  if (sum == 0) {
    shares[0] = total;
    return shares;
  }
  const bool negative = total < 0;
  const __int128 amount = negative ? -static_cast<__int128>(total) : static_cast<__int128>(total);
  std::vector<__int128> remainders(weights.size());
  __int128 given = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const __int128 exact = amount * weights[i];
    shares[i] = static_cast<micros>(exact / sum);
    remainders[i] = exact % sum;
    given += shares[i];
  }
  std::vector<std::size_t> order(weights.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return remainders[a] > remainders[b]; });
  const auto left = static_cast<std::size_t>(amount - given); // fewer than weights.size()
  for (std::size_t k = 0; k < left; ++k)
    ++shares[order[k]];
  if (negative)
    for (auto& s : shares)
      s = -s;
  return shares;
}

micros scale_half_even(micros amount, std::int64_t numerator, std::int64_t denominator) {
  if (denominator <= 0)
    throw std::invalid_argument("scale_half_even: denominator must be positive");
  const __int128 exact = static_cast<__int128>(amount) * numerator;
  __int128 q = exact / denominator;
  __int128 r = exact % denominator; // same sign as exact
  if (r < 0) {                     // floor division
    r += denominator;
    --q;
  }
  const __int128 twice = 2 * r;
  if (twice > denominator || (twice == denominator && (q % 2 != 0)))
    ++q;
  return static_cast<micros>(q);
}

micros running_allocation::next(std::int64_t weight) {
  if (weight_total_ <= 0) {
    const micros share = first_ ? total_ : 0;
    first_ = false;
    return share;
  }
  first_ = false;
  seen_ += weight;
  const micros upto = scale_half_even(total_, seen_, weight_total_); // what rows 1..k hold together
  const micros share = upto - given_;
  given_ = upto;
  return share;
}

std::optional<std::pair<std::string, std::string>> parse_period(std::string_view text) {
  if (const auto sep = text.find("--"); sep != std::string_view::npos) {
    const auto from = text.substr(0, sep), to = text.substr(sep + 2);
    if (!is_calendar_date(from) || !is_calendar_date(to) || to < from)
      return std::nullopt;
    return std::pair{std::string(from), std::string(to)};
  }
  if (is_calendar_date(text))
    return std::pair{std::string(text), std::string(text)};
  if (text.size() < 4 || !all_digits(text.substr(0, 4)))
    return std::nullopt;
  const int year = std::stoi(std::string(text.substr(0, 4)));
  const auto y = std::string(text.substr(0, 4));
  if (text.size() == 4)
    return std::pair{y + "-01-01", y + "-12-31"};
  if (text.size() == 7 && text[4] == '-' && all_digits(text.substr(5, 2))) {
    const int month = std::stoi(std::string(text.substr(5, 2)));
    if (month < 1 || month > 12)
      return std::nullopt;
    return std::pair{y + "-" + two(month) + "-01", y + "-" + two(month) + "-" + two(days_in_month(year, month))};
  }
  if (text.size() == 7 && text.substr(4, 2) == "-Q" && text[6] >= '1' && text[6] <= '4') {
    const int last = (text[6] - '0') * 3;
    return std::pair{y + "-" + two(last - 2) + "-01", y + "-" + two(last) + "-" + two(days_in_month(year, last))};
  }
  return std::nullopt;
}

// --- DSR ----------------------------------------------------------------------------------------

void problem_list::add(long long line, std::string message) {
  ++count_;
  if (kept_.size() < max_)
    kept_.push_back({line, std::move(message)});
}

dsr_parser::dsr_parser(sink on_usage, std::size_t max_problems)
  : on_usage_(std::move(on_usage)), problems_(max_problems) {}

std::optional<std::int64_t> dsr_parser::count_cell(const std::vector<std::string_view>& cells, std::size_t i,
                                                   const char* name) {
  const auto v = parse_count(cell(cells, i));
  if (!v)
    fail(std::string(name) + " must be a whole number, not \"" + std::string(cell(cells, i)) + "\"");
  return v;
}

std::string dsr_message_id(std::string_view line) {
  const auto cells = split_tabs(strip_cr(line));
  return cells[0] == "HEAD" ? std::string(cell(cells, 4)) : std::string();
}

void dsr_parser::line(std::string_view text) {
  ++line_;
  text = strip_cr(text);
  if (auto bad = utf8_problem(text))
    return fail(*bad);
  if (text.empty() || text.front() == '#')
    return; // comments (often column headers) and blank lines are not records
  ++records_;
  const auto cells = split_tabs(text);
  const auto type = cells[0];
  if (foot_seen_)
    return fail("a " + std::string(type) + " record after FOOT");
  if (type == "HEAD")
    return on_head(cells);
  if (stage_ == stage::start)
    return fail("the file must start with a HEAD record, not " + std::string(type));
  if (type.size() == 4 && type.starts_with("SY") && all_digits(type.substr(2)))
    return on_summary(cells);
  if (type == "RE01" || type == "RE02" || type == "AS01" || type == "AS02")
    return on_block_record(cells);
  if (type == "SU01" || type == "SU02" || type == "SU03")
    return on_usage(cells);
  if (type == "FOOT")
    return on_foot(cells);
  fail("unknown record type \"" + std::string(type) + "\"");
}

void dsr_parser::on_head(const std::vector<std::string_view>& cells) {
  if (stage_ != stage::start)
    return fail("a second HEAD record");
  stage_ = stage::head;
  if (cells.size() < 12)
    return fail("HEAD has " + std::to_string(cells.size()) + " cells; it needs at least 12 (up to SenderName)");
  header_.profile = std::string(cells[2]);
  header_.message_id = std::string(cells[4]);
  header_.usage_start = std::string(cells[8]);
  header_.usage_end = std::string(cells[9]);
  header_.sender = std::string(cells[11]);
  header_.recipient = std::string(cell(cells, 14));
  if (header_.message_id.empty())
    fail("HEAD MessageId is empty");
  if (header_.sender.empty())
    fail("HEAD SenderName is empty");
  if (!is_calendar_date(header_.usage_start) || !is_calendar_date(header_.usage_end))
    fail("HEAD UsageStartDate and UsageEndDate must be dates (YYYY-MM-DD), not \"" + header_.usage_start + "\" and \""
         + header_.usage_end + "\"");
  else if (header_.usage_end < header_.usage_start)
    fail("HEAD UsageEndDate is before UsageStartDate");
}

void dsr_parser::on_summary(const std::vector<std::string_view>& cells) {
  if (stage_ == stage::blocks)
    return fail("summary record " + std::string(cells[0]) + " after the usage blocks began");
  stage_ = stage::summaries;
  if (cells.size() < 9)
    return fail(std::string(cells[0]) + " has " + std::to_string(cells.size()) + " cells; it needs at least 9 (up to TotalUsages)");
  summary s;
  s.line = line_;
  s.record_type = std::string(cells[0]);
  s.id = std::string(cells[1]);
  s.channel = std::string(cells[2]);
  s.commercial_model = std::string(cells[4]);
  s.use_type = std::string(cells[5]);
  s.territory = std::string(cells[6]);
  if (s.id.empty())
    fail("SummaryRecordId is empty");
  if (!is_territory(s.territory))
    fail("Territory \"" + s.territory + "\" is not an ISO 3166-1 code or Worldwide");
  if (auto total = count_cell(cells, 8, "TotalUsages"))
    s.total_usages = *total;
  const auto revenue = cell(cells, 11);
  if (!revenue.empty()) {
    if (auto v = parse_micros(revenue))
      s.net_revenue = *v;
    else
      fail("NetRevenue \"" + std::string(revenue) + "\" is not a decimal number");
    s.currency = std::string(cell(cells, 10));
    if (!is_currency_code(s.currency))
      fail("CurrencyOfReporting \"" + s.currency + "\" is not an ISO 4217 code");
  }
  if (!summaries_.emplace(s.id, s).second)
    fail("SummaryRecordId " + s.id + " appears twice");
}

void dsr_parser::on_block_record(const std::vector<std::string_view>& cells) {
  if (stage_ == stage::head)
    return fail(std::string(cells[0]) + " before any summary record");
  stage_ = stage::blocks;
  const auto block = cell(cells, 1);
  if (block.empty())
    return fail(std::string(cells[0]) + " has no BlockId");
  if (block != block_) {
    block_ = std::string(block);
    release_icpn_.clear();
    resource_isrc_.clear();
    ++blocks_;
  }
  const auto reference = std::string(cell(cells, 2));
  if (cells[0].starts_with("RE")) {
    const auto icpn = cell(cells, 6);
    if (icpn.empty()) {
      release_icpn_[reference] = "";
    } else if (auto checked = check_gtin(icpn)) {
      release_icpn_[reference] = *checked.value;
    } else {
      fail("ICPN \"" + std::string(icpn) + "\": " + checked.problem);
    }
    return;
  }
  const auto isrc = cell(cells, 4);
  if (isrc.empty()) {
    resource_isrc_[reference] = "";
  } else if (auto checked = check_isrc(isrc, current_year())) {
    resource_isrc_[reference] = *checked.value;
  } else {
    fail("ISRC \"" + std::string(isrc) + "\": " + checked.problem);
  }
}

void dsr_parser::on_usage(const std::vector<std::string_view>& cells) {
  if (stage_ == stage::head)
    return fail(std::string(cells[0]) + " before any summary record");
  stage_ = stage::blocks;
  const auto block = cell(cells, 1);
  if (block != block_)
    return fail(std::string(cells[0]) + " in block \"" + std::string(block) + "\" does not follow that block's RE/AS records");
  const auto summary_id = std::string(cell(cells, 2));
  const auto it = summaries_.find(summary_id);
  if (it == summaries_.end())
    return fail("SummaryRecordId \"" + summary_id + "\" names no summary record");
  usage u;
  u.line = line_;
  u.summary_id = summary_id;
  if (const auto release = std::string(cell(cells, 4)); !release.empty()) {
    const auto r = release_icpn_.find(release);
    if (r == release_icpn_.end())
      return fail("TransactedRelease \"" + release + "\" is not in block " + block_);
    u.upc = r->second;
  }
  if (const auto resource = std::string(cell(cells, 5)); !resource.empty()) {
    const auto r = resource_isrc_.find(resource);
    if (r == resource_isrc_.end())
      return fail("TransactedResource \"" + resource + "\" is not in block " + block_);
    u.isrc = r->second;
  }
  const auto quantity = count_cell(cells, 7, cells[0] == "SU02" ? "NumberOfStreams" : "NumberOfUsages");
  if (!quantity)
    return;
  u.quantity = *quantity;
  it->second.usages_seen += u.quantity;
  u.platform = header_.sender;
  u.territory = it->second.territory;
  u.usage_start = header_.usage_start;
  u.usage_end = header_.usage_end;
  u.use_type = cell(cells, 10).empty() ? it->second.use_type : std::string(cell(cells, 10));
  u.currency = it->second.currency;
  if (problems_.empty())
    on_usage_(u); // once a problem is found the file is refused: stop handing rows out
}

void dsr_parser::on_foot(const std::vector<std::string_view>& cells) {
  foot_seen_ = true;
  stage_ = stage::foot;
  if (cells.size() < 6)
    return fail("FOOT has " + std::to_string(cells.size()) + " cells; it needs 6");
  const auto lines = count_cell(cells, 1, "NumberOfLinesInFile");
  const auto summaries = count_cell(cells, 3, "NumberOfSummaryRecords");
  const auto blocks = count_cell(cells, 4, "NumberOfBlocksInFile");
  if (lines && *lines != records_)
    fail("FOOT NumberOfLinesInFile is " + std::to_string(*lines) + " but the file has " + std::to_string(records_)
         + " records (HEAD to FOOT, comments not counted)");
  if (summaries && *summaries != static_cast<std::int64_t>(summaries_.size()))
    fail("FOOT NumberOfSummaryRecords is " + std::to_string(*summaries) + " but the file has "
         + std::to_string(summaries_.size()));
  if (blocks && *blocks != blocks_)
    fail("FOOT NumberOfBlocksInFile is " + std::to_string(*blocks) + " but the file has " + std::to_string(blocks_));
}

void dsr_parser::finish() {
  if (records_ == 0)
    return problems_.add(0, "the file has no records");
  if (!foot_seen_)
    fail("no FOOT record: the file is truncated");
  if (summaries_.empty() && records_ > 0)
    fail("no summary record (SYxx)");
  for (const auto& [id, s] : summaries_)
    if (s.usages_seen != s.total_usages && problems_.empty())
      problems_.add(s.line, "summary " + id + " says TotalUsages " + std::to_string(s.total_usages)
                              + " but its usage records add up to " + std::to_string(s.usages_seen));
}

// --- CSV ----------------------------------------------------------------------------------------

std::optional<std::vector<std::string>> split_csv(std::string_view line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"' && cells.back().empty()) {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  if (quoted)
    return std::nullopt;
  return cells;
}

csv_parser::csv_parser(sink on_usage, std::size_t max_problems)
  : on_usage_(std::move(on_usage)), problems_(max_problems) {}

void csv_parser::line(std::string_view text) {
  ++line_;
  text = strip_cr(text);
  if (auto bad = utf8_problem(text))
    return fail(*bad);
  if (text.empty() || text.front() == '#')
    return;
  auto cells = split_csv(text);
  if (!cells)
    return fail("a quoted cell is not closed");
  if (columns_.empty()) {
    for (std::size_t i = 0; i < cells->size(); ++i)
      columns_[lower(trim((*cells)[i]))] = i;
    for (const char* required : {"platform", "period", "territory", "isrc", "upc", "use_type", "quantity", "net_revenue", "currency"})
      if (!columns_.count(required))
        fail(std::string("the header has no ") + required + " column");
    if (!ok())
      columns_ = {{"", 0}}; // keep treating later lines as rows, so their problems show too
    return;
  }
  if (!ok() && columns_.count("") == 1)
    return;
  if (cells->size() != columns_.size())
    return fail("the row has " + std::to_string(cells->size()) + " cells; the header has " + std::to_string(columns_.size()));
  const auto get = [&](const char* name) { return std::string(trim((*cells)[columns_.at(name)])); };
  usage u;
  u.line = line_;
  u.platform = get("platform");
  if (u.platform.empty())
    fail("platform is empty");
  if (auto period = parse_period(get("period"))) {
    u.usage_start = period->first;
    u.usage_end = period->second;
  } else {
    fail("period \"" + get("period") + "\" is not YYYY-MM-DD, YYYY-MM, YYYY-Qn, YYYY or d1--d2");
  }
  u.territory = get("territory");
  if (!is_territory(u.territory))
    fail("territory \"" + u.territory + "\" is not an ISO 3166-1 code or Worldwide");
  if (const auto isrc = get("isrc"); !isrc.empty()) {
    if (auto checked = check_isrc(isrc, current_year()))
      u.isrc = *checked.value;
    else
      fail("isrc \"" + isrc + "\": " + checked.problem);
  }
  if (const auto upc = get("upc"); !upc.empty()) {
    if (auto checked = check_gtin(upc))
      u.upc = *checked.value;
    else
      fail("upc \"" + upc + "\": " + checked.problem);
  }
  if (get("isrc").empty() && get("upc").empty())
    fail("a row needs an isrc or a upc");
  u.use_type = get("use_type");
  if (u.use_type.empty())
    fail("use_type is empty");
  if (auto q = parse_count(get("quantity")))
    u.quantity = *q;
  else
    fail("quantity \"" + get("quantity") + "\" is not a whole number");
  if (auto revenue = parse_micros(get("net_revenue")))
    u.revenue = *revenue;
  else
    fail("net_revenue \"" + get("net_revenue") + "\" is not a decimal number");
  u.currency = get("currency");
  if (!is_currency_code(u.currency))
    fail("currency \"" + u.currency + "\" is not an ISO 4217 code");
  ++rows_;
  if (ok())
    on_usage_(u);
}

void csv_parser::finish() {
  if (columns_.empty() && problems_.empty())
    problems_.add(0, "the file has no header line");
}

} // namespace tunemantra::domain::sales
