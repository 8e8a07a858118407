#include "domain/identifiers.hpp"

#include <gtest/gtest.h>

namespace tunemantra::domain {
namespace {

constexpr int year = 2026;

TEST(isrc, accepts_published_isrcs_and_normalises_them) {
  // From the official DDEX ERN 4.3 sample message (../shared/ddex/ern43/sample-audio-album.xml).
  for (const char* real : {"JPTO09332830", "JPTO09332840", "JPTO09404900", "JPTO09404950"})
    EXPECT_EQ(check_isrc(real, year).value, real) << real;
  EXPECT_EQ(check_isrc("jp-to0-93-32830", year).value, "JPTO09332830");
  EXPECT_EQ(check_isrc("QM-ABC-26-00001", year).value, "QMABC2600001"); // IFPI prefix
  EXPECT_EQ(check_isrc("ZZABC8600001", year).value, "ZZABC8600001");     // 1986, the first year
}

TEST(isrc, refuses_malformed_and_implausible_codes) {
  EXPECT_FALSE(check_isrc("JPTO0933283", year));   // 11 characters
  EXPECT_FALSE(check_isrc("JPTO093328300", year)); // 13
  EXPECT_FALSE(check_isrc("XXTO09332830", year));  // no such country
  EXPECT_FALSE(check_isrc("JPT_09332830", year));  // registrant
  EXPECT_FALSE(check_isrc("JPTO0933283A", year));  // designation
  EXPECT_FALSE(check_isrc("JPTO05032830", year)); // year 50: 2050 or 1950, neither plausible in 2026
  EXPECT_FALSE(check_isrc("JPTO07632830", year)); // year 76: before ISRCs existed
  EXPECT_TRUE(check_isrc("JPTO02732830", year));  // next year is allowed (assigned ahead)
  EXPECT_NE(check_isrc("XXTO09332830", year).problem.find("XX"), std::string::npos);
}

TEST(gtin, accepts_published_upcs_eans_and_gtins) {
  // ICPNs of the official DDEX ERN 4.3 sample, a UPC-A and an EAN-13 from GS1's documentation.
  for (const char* real : {"00094631432057", "04988006110809", "036000291452", "4006381333931"})
    EXPECT_EQ(check_gtin(real).value, real) << real;
  EXPECT_EQ(check_gtin("0 36000 29145 2").value, "036000291452");
}

TEST(gtin, refuses_wrong_check_digits_and_lengths) {
  EXPECT_FALSE(check_gtin("036000291453"));
  EXPECT_FALSE(check_gtin("4006381333932"));
  EXPECT_FALSE(check_gtin("03600029145"));
  EXPECT_FALSE(check_gtin("03600029145A"));
  EXPECT_FALSE(check_gtin(""));
  EXPECT_EQ(gtin_check_digit("03600029145"), 2);
}

TEST(iswc, accepts_valid_codes_and_refuses_bad_check_digits) {
  EXPECT_EQ(check_iswc("T-034.524.680-1").value, "T0345246801"); // the example of ISO 15707
  EXPECT_EQ(check_iswc("T-345.246.800-3").value, "T3452468003");
  EXPECT_FALSE(check_iswc("T-034.524.680-2"));
  EXPECT_FALSE(check_iswc("X-034.524.680-1"));
  EXPECT_FALSE(check_iswc("T-034.524.68-1"));
}

TEST(generated_identifiers, are_valid) {
  const auto isrc = make_isrc("QM-ABC", 2026, 42);
  EXPECT_EQ(isrc, "QMABC2600042");
  EXPECT_TRUE(check_isrc(isrc, year));
  const auto ean = make_ean("0123456", 789);
  EXPECT_EQ(ean.size(), 13u);
  EXPECT_TRUE(check_gtin(ean)) << ean;
}

TEST(iso_codes, come_from_debian_iso_codes) {
  EXPECT_GT(iso_country_codes().size(), 240u);
  EXPECT_TRUE(is_country_code("JP"));
  EXPECT_TRUE(is_country_code("GB"));
  EXPECT_FALSE(is_country_code("UK"));
  EXPECT_TRUE(is_currency_code("EUR"));
  EXPECT_FALSE(is_currency_code("EURO"));
}

} // namespace
} // namespace tunemantra::domain

#include "domain/catalog.hpp"

namespace tunemantra::domain {
namespace {

TEST(catalog_rules, isni_check_characters) {
  // ISNI shares ORCID's ISO 7064 MOD 11-2 check; these are ORCID's published examples.
  EXPECT_FALSE(check_isni("0000-0002-1825-0097"));
  EXPECT_FALSE(check_isni("0000 0002 1694 233X"));
  EXPECT_TRUE(check_isni("0000-0002-1825-0098"));
  EXPECT_TRUE(check_isni("0000-0002-1825"));
}

TEST(catalog_rules, dates_territories_and_enums) {
  EXPECT_TRUE(is_calendar_date("2024-02-29"));
  EXPECT_FALSE(is_calendar_date("2023-02-29"));
  EXPECT_FALSE(is_calendar_date("2024-2-9"));
  EXPECT_FALSE(is_calendar_date("1850-01-01"));
  EXPECT_FALSE(check_territories({"Worldwide"}));
  EXPECT_FALSE(check_territories({"GB", "JP", "US"}));
  EXPECT_TRUE(check_territories({"UK"}));
  EXPECT_TRUE(check_territories({"Worldwide", "GB"}));
  EXPECT_TRUE(check_territories({}));
  EXPECT_TRUE(is_parental_warning("ExplicitContentEdited"));
  EXPECT_FALSE(is_parental_warning("explicit"));
  EXPECT_EQ(parse_release_type("ep"), release_type::ep);
  EXPECT_FALSE(parse_release_status("published").has_value());
}

} // namespace
} // namespace tunemantra::domain
