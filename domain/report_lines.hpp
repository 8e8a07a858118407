#pragma once
// What the DSR and CSV readers share about the lines of an uploaded report (internal to domain/).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/identifiers.hpp"
#include "domain/text.hpp"
#include "domain/time.hpp"

namespace tunemantra::domain::sales::lines {

/// The tab-separated cells of a line.
inline std::vector<std::string_view> split_tabs(std::string_view line) {
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

/// The line without a trailing CR.
inline std::string_view strip_cr(std::string_view text) {
  if (!text.empty() && text.back() == '\r')
    text.remove_suffix(1);
  return text;
}

/// Text from a file is UTF-8 or the line is refused: nothing stored may be unreadable later.
inline std::optional<std::string> utf8_problem(std::string_view text) {
  const auto at = invalid_utf8_at(text);
  if (at == std::string_view::npos)
    return std::nullopt;
  static constexpr char hex[] = "0123456789ABCDEF";
  const auto byte = static_cast<unsigned char>(text[at]);
  return std::string("the line is not UTF-8: byte 0x") + hex[byte >> 4] + hex[byte & 15] + " at column " +
         std::to_string(at + 1);
}

/// The calendar year now, worked out again at most once a minute (ISRC checks ask per line).
inline int current_year() {
  thread_local millis checked = 0;
  thread_local int year = 0;
  const auto now = now_millis();
  if (year == 0 || now - checked > 60'000) {
    year = std::stoi(format_rfc3339(now).substr(0, 4));
    checked = now;
  }
  return year;
}

/// An ISO 3166-1 alpha-2 code or Worldwide.
inline bool is_territory(std::string_view t) { return t == "Worldwide" || is_country_code(t); }

} // namespace tunemantra::domain::sales::lines
