#include "domain/time.hpp"

#include <gtest/gtest.h>

namespace tunemantra::domain {
namespace {

TEST(rfc3339, formats_utc_with_milliseconds) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(1'796'092'049'123), "2026-12-01T02:27:29.123Z");
}

TEST(rfc3339, parses_what_it_formats) {
  for (millis t : {millis{0}, millis{1'796'092'049'123}, millis{951'782'400'000} /* 2000-02-29 */})
    EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t);
}

TEST(rfc3339, honours_offsets_and_optional_fractions) {
  EXPECT_EQ(parse_rfc3339("2026-12-01T03:27:29+01:00"), parse_rfc3339("2026-12-01T02:27:29Z"));
  EXPECT_EQ(parse_rfc3339("2026-12-01T02:27:29.5Z"), *parse_rfc3339("2026-12-01T02:27:29Z") + 500);
}

TEST(rfc3339, refuses_malformed_text) {
  for (const char* bad : {"", "2026-12-01", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-12-01T24:00:00Z",
                          "2026-12-01T00:00:00", "2026-12-01T00:00:00Zjunk", "2026-12-01T00:00:00.Z",
                          "2026-12-01 00:00:00Z", "2026-12-01T00:00:00+0100"})
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
}

} // namespace
} // namespace tunemantra::domain
