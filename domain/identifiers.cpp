#include "domain/identifiers.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_set>

namespace tunemantra::domain {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool alnum_upper(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

/// Upper case without the separators people type ('-', ' ', '.').
std::string compact(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '-' || c == ' ' || c == '.')
      continue;
    out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

checked_id bad(std::string problem) { return {std::nullopt, std::move(problem)}; }

} // namespace

bool is_country_code(std::string_view code) {
  // Hashed once: sales imports ask for every usage line.
  static const std::unordered_set<std::string_view> all(iso_country_codes().begin(), iso_country_codes().end());
  return all.contains(code);
}

bool is_currency_code(std::string_view code) {
  static const std::unordered_set<std::string_view> all(iso_currency_codes().begin(), iso_currency_codes().end());
  return all.contains(code);
}

checked_id check_isrc(std::string_view text, int current_year) {
  const auto s = compact(text);
  if (s.size() != 12)
    return bad("an ISRC has 12 characters (CC-XXX-YY-NNNNN)");
  const auto country = s.substr(0, 2);
  static constexpr std::string_view ifpi[] = {"QM", "QN", "QT", "QZ", "ZZ"};
  if (!is_country_code(country) && std::find(std::begin(ifpi), std::end(ifpi), country) == std::end(ifpi))
    return bad("the ISRC country code " + country + " is neither ISO 3166-1 nor an IFPI prefix");
  if (!std::all_of(s.begin() + 2, s.begin() + 5, alnum_upper))
    return bad("the ISRC registrant code must be letters and digits");
  if (!all_digits(std::string_view(s).substr(5)))
    return bad("the ISRC year and designation must be digits");
  const int yy = std::stoi(s.substr(5, 2));
  const int next_yy = (current_year + 1) % 100;
  if (yy > next_yy && yy < 86)
    return bad("the ISRC year " + s.substr(5, 2) + " is not plausible (ISRCs exist since 1986)");
  return {s, {}};
}

int gtin_check_digit(std::string_view digits) {
  int sum = 0;
  // Weights 3, 1, 3, ... from the rightmost digit before the check digit.
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const int d = digits[digits.size() - 1 - i] - '0';
    sum += d * (i % 2 == 0 ? 3 : 1);
  }
  return (10 - sum % 10) % 10;
}

checked_id check_gtin(std::string_view text) {
  const auto s = compact(text);
  if (!all_digits(s) || (s.size() != 12 && s.size() != 13 && s.size() != 14))
    return bad("a UPC has 12 digits, an EAN 13, a GTIN-14 14");
  if (gtin_check_digit(std::string_view(s).substr(0, s.size() - 1)) != s.back() - '0')
    return bad("the check digit of " + s + " is wrong");
  return {s, {}};
}

checked_id check_iswc(std::string_view text) {
  const auto s = compact(text);
  if (s.size() != 11 || s[0] != 'T' || !all_digits(std::string_view(s).substr(1)))
    return bad("an ISWC looks like T-123.456.789-C");
  int sum = 1; // the T counts as 1
  for (int i = 1; i <= 9; ++i)
    sum += i * (s[static_cast<std::size_t>(i)] - '0');
  if ((10 - sum % 10) % 10 != s[10] - '0')
    return bad("the check digit of " + s + " is wrong");
  return {s, {}};
}

std::string make_isrc(std::string_view registrant, int year, int counter) {
  char tail[16];
  std::snprintf(tail, sizeof tail, "%02d%05d", year % 100, counter % 100000);
  return compact(registrant) + tail;
}

std::string make_ean(std::string_view prefix, long long counter) {
  std::string digits(prefix);
  const auto width = 12 - static_cast<int>(digits.size());
  char tail[16];
  std::snprintf(tail, sizeof tail, "%0*lld", std::max(width, 0), counter);
  digits = (digits + tail).substr(0, 12);
  return digits + static_cast<char>('0' + gtin_check_digit(digits));
}

} // namespace tunemantra::domain
