#include "domain/dsr_profile.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>

#include "domain/auth.hpp"
#include "domain/report_lines.hpp"
#include "domain/text.hpp"

namespace tunemantra::domain::sales {

extern const std::string_view dsr_layouts_table; // domain/dsr_layouts.tsv, embedded

namespace {

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string_view unsigned_part(std::string_view s) {
  if (!s.empty() && (s.front() == '+' || s.front() == '-'))
    s.remove_prefix(1);
  return s;
}

bool is_decimal(std::string_view s) {
  s = unsigned_part(s);
  const auto dot = s.find('.');
  if (dot == std::string_view::npos)
    return digits(s);
  const auto whole = s.substr(0, dot), fraction = s.substr(dot + 1);
  return (whole.empty() || digits(whole)) && (fraction.empty() || digits(fraction)) &&
         !(whole.empty() && fraction.empty());
}

/// YYYY, YYYY-MM or YYYY-MM-DD (ddex_IsoDate; xs:date is the last form).
bool is_iso_date(std::string_view s) {
  if (s.size() != 4 && s.size() != 7 && s.size() != 10)
    return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if ((i == 4 || i == 7) ? s[i] != '-' : !std::isdigit(static_cast<unsigned char>(s[i])))
      return false;
  const auto month = s.size() >= 7 ? std::stoi(std::string(s.substr(5, 2))) : 1;
  const auto day = s.size() == 10 ? std::stoi(std::string(s.substr(8, 2))) : 1;
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/// xs:dateTime: YYYY-MM-DDThh:mm:ss[.fff][Z|(+|-)hh:mm]
bool is_datetime(std::string_view s) {
  if (s.size() < 19 || s[10] != 'T' || !is_iso_date(s.substr(0, 10)) || s.substr(0, 10).size() != 10)
    return false;
  const auto t = s.substr(11, 8);
  if (t[2] != ':' || t[5] != ':' || !digits(t.substr(0, 2)) || !digits(t.substr(3, 2)) || !digits(t.substr(6, 2)))
    return false;
  auto rest = s.substr(19);
  if (!rest.empty() && rest.front() == '.') {
    std::size_t n = 1;
    while (n < rest.size() && std::isdigit(static_cast<unsigned char>(rest[n])))
      ++n;
    if (n == 1)
      return false;
    rest.remove_prefix(n);
  }
  return rest.empty() || rest == "Z" ||
         (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' && digits(rest.substr(1, 2)) &&
          digits(rest.substr(4, 2)));
}

/// xs:duration: -?PnYnMnDTnHnMnS with at least one part, seconds may have a fraction.
bool is_duration(std::string_view s) {
  if (!s.empty() && s.front() == '-')
    s.remove_prefix(1);
  if (s.size() < 2 || s.front() != 'P')
    return false;
  s.remove_prefix(1);
  bool time = false, any = false;
  std::string_view order = "YMD";
  while (!s.empty()) {
    if (s.front() == 'T') {
      if (time)
        return false;
      time = true;
      order = "HMS";
      s.remove_prefix(1);
      if (s.empty())
        return false;
      continue;
    }
    std::size_t n = 0;
    while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) || (time && s[n] == '.')))
      ++n;
    if (n == 0 || n == s.size())
      return false;
    const auto unit = order.find(s[n]);
    if (unit == std::string_view::npos || (s[n] != 'S' && s.substr(0, n).find('.') != std::string_view::npos))
      return false;
    order.remove_prefix(unit + 1);
    any = true;
    s.remove_prefix(n + 1);
  }
  return any;
}

cell_type type_named(std::string_view xsd_type) {
  static const std::map<std::string_view, cell_type> types{
      {"xs:integer", cell_type::integer},   {"xs:int", cell_type::integer},      {"xs:decimal", cell_type::decimal},
      {"xs:boolean", cell_type::boolean},   {"xs:date", cell_type::date},        {"ddex_IsoDate", cell_type::date},
      {"xs:dateTime", cell_type::datetime}, {"xs:duration", cell_type::duration}};
  const auto it = types.find(xsd_type);
  return it == types.end() ? cell_type::text : it->second;
}

} // namespace

std::optional<std::size_t> record_layout::index_of(std::string_view name) const {
  const auto it = by_name.find(name);
  return it == by_name.end() ? std::nullopt : std::optional<std::size_t>(it->second);
}

const record_layout* profile_layout::record(std::string_view type) const {
  const auto it = records.find(type);
  return it == records.end() ? nullptr : &it->second;
}

std::vector<profile_layout> parse_dsr_layouts(std::string_view table) {
  std::vector<profile_layout> out;
  record_layout* record = nullptr;
  std::size_t line_no = 0;
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("DSR layout table line " + std::to_string(line_no) + ": " + why);
  };
  for (std::size_t start = 0; start < table.size();) {
    const auto end = std::min(table.find('\n', start), table.size());
    const auto line = table.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (line.empty() || line.front() == '#')
      continue;
    const auto f = lines::split_tabs(line);
    if (f[0] == "profile" && f.size() == 3) {
      out.push_back({std::string(f[1]), std::string(f[2]), {}});
      record = nullptr;
    } else if (f[0] == "record" && f.size() == 3 && !out.empty()) {
      const auto where = f[2] == "head"      ? section::head
                         : f[2] == "summary" ? section::summary
                         : f[2] == "foot"    ? section::foot
                                             : section::block;
      record = &out.back().records[std::string(f[1])];
      record->type = std::string(f[1]);
      record->where = where;
    } else if (f[0] == "cell" && f.size() == 6 && record) {
      record->by_name.emplace(std::string(f[1]), record->cells.size());
      record->cells.push_back({std::string(f[1]), type_named(f[2]), f[3] == "req", f[4] == "many"});
    } else {
      throw bad("unexpected \"" + std::string(line.substr(0, 40)) + "\"");
    }
  }
  return out;
}

const std::vector<profile_layout>& dsr_profiles() {
  static const auto profiles = parse_dsr_layouts(dsr_layouts_table);
  return profiles;
}

const profile_layout* find_dsr_profile(std::string_view name, std::string_view version) {
  for (const auto& p : dsr_profiles())
    if (lower(p.name) == lower(name) && p.version == version)
      return &p;
  return nullptr;
}

std::string supported_dsr_profiles() {
  std::string out;
  std::string last;
  for (const auto& p : dsr_profiles()) {
    if (p.name != last)
      out += (out.empty() ? "" : "; ") + p.name + " " + p.version;
    else
      out += ", " + p.version;
    last = p.name;
  }
  return out;
}

bool valid_cell(cell_type type, std::string_view v) {
  switch (type) {
  case cell_type::text: return true;
  case cell_type::integer: return digits(unsigned_part(v));
  case cell_type::decimal: return is_decimal(v);
  case cell_type::boolean: return v == "true" || v == "false" || v == "1" || v == "0";
  case cell_type::date: return is_iso_date(v);
  case cell_type::datetime: return is_datetime(v);
  case cell_type::duration: return is_duration(v);
  }
  return false;
}

std::string_view describe(cell_type type) {
  switch (type) {
  case cell_type::text: return "text";
  case cell_type::integer: return "a whole number";
  case cell_type::decimal: return "a decimal number";
  case cell_type::boolean: return "true or false";
  case cell_type::date: return "a date (YYYY, YYYY-MM or YYYY-MM-DD)";
  case cell_type::datetime: return "a date and time (YYYY-MM-DDThh:mm:ss)";
  case cell_type::duration: return "an ISO 8601 duration (PT3M25S)";
  }
  return "text";
}

} // namespace tunemantra::domain::sales
