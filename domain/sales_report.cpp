#include "domain/sales_report.hpp"

#include <algorithm>
#include <charconv>
#include <numeric>
#include <stdexcept>

#include "domain/auth.hpp"
#include "domain/catalog.hpp"
#include "domain/identifiers.hpp"
#include "domain/report_lines.hpp"
#include "domain/text.hpp"
#include "domain/time.hpp"

namespace tunemantra::domain::sales {

using namespace lines;

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

int days_in_month(int year, int month) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

std::string two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }

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

void problem_list::add(long long line, std::string message, long long file) {
  ++count_;
  if (kept_.size() < max_)
    kept_.push_back({line, std::move(message), file});
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
