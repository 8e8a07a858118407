#pragma once
// Music industry identifiers, checked and normalised: ISRC (recordings), UPC-A / EAN-13 / GTIN-14
// (releases, kept as strings: leading zeros matter), ISWC (works). Country codes come from
// Debian's iso-codes, compiled in.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tunemantra::domain {

/// ISO 3166-1 alpha-2 codes and ISO 4217 currency codes, from iso-codes.
const std::vector<std::string_view>& iso_country_codes();
const std::vector<std::string_view>& iso_currency_codes();
bool is_country_code(std::string_view code);
bool is_currency_code(std::string_view code);

/// The result of checking an identifier: the normalised form, or why it is wrong.
struct checked_id {
  std::optional<std::string> value; ///< normalised (upper case, no separators) when valid
  std::string problem;              ///< empty when valid
  explicit operator bool() const { return value.has_value(); }
};

/// ISRC: CC-XXX-YY-NNNNN. CC is an ISO 3166-1 code or an IFPI prefix (QM, QN, QT, QZ, ZZ), XXX the
/// registrant (letters and digits), YY the year of assignment (1986 onwards, not in the future
/// beyond next year), NNNNN the designation. Hyphens and spaces are dropped, letters upper-cased.
checked_id check_isrc(std::string_view text, int current_year);

/// UPC-A (12 digits), EAN-13 (13) or GTIN-14 (14) with a valid GS1 check digit.
checked_id check_gtin(std::string_view text);

/// ISWC: T-DDD.DDD.DDD-C with its check digit; normalised to T0345246801.
checked_id check_iswc(std::string_view text);

/// The GS1 check digit for the digits before it.
int gtin_check_digit(std::string_view digits_without_check);

/// An ISRC made from a registrant code (CC + XXX), a year and a counter: `CCXXXYYNNNNN`.
std::string make_isrc(std::string_view registrant, int year, int counter);
/// A GTIN-13 (EAN) made from a GS1 company prefix and a counter, with its check digit.
std::string make_ean(std::string_view prefix, long long counter);

} // namespace tunemantra::domain
