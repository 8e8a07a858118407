// The small text helpers of domain/text.cpp.

#include <gtest/gtest.h>

#include "domain/text.hpp"

namespace tunemantra::domain {
namespace {

constexpr auto none = std::string_view::npos;

TEST(utf8, accepts_every_well_formed_sequence) {
  EXPECT_EQ(invalid_utf8_at(""), none);
  EXPECT_EQ(invalid_utf8_at("plain ascii\t"), none);
  EXPECT_EQ(invalid_utf8_at("Bj\xc3\xb6rk \xe2\x82\xac \xf0\x9f\x8e\xb5"), none); // ö, €, 🎵
  EXPECT_EQ(invalid_utf8_at("\xed\x9f\xbf"), none);                               // U+D7FF, just below the surrogates
  EXPECT_EQ(invalid_utf8_at("\xf4\x8f\xbf\xbf"), none);                           // U+10FFFF
}

TEST(utf8, names_the_first_byte_that_does_not_belong) {
  EXPECT_EQ(invalid_utf8_at("NOTHEAD\x92"), 7u);      // a lone continuation byte (cp1252's ’)
  EXPECT_EQ(invalid_utf8_at("S\xff"), 1u);            // never valid
  EXPECT_EQ(invalid_utf8_at("ab\xc3"), 2u);           // cut short
  EXPECT_EQ(invalid_utf8_at("\xc0\xaf"), 0u);         // overlong '/'
  EXPECT_EQ(invalid_utf8_at("\xe0\x80\xaf"), 0u);     // overlong, three bytes
  EXPECT_EQ(invalid_utf8_at("\xed\xa0\x80"), 0u);     // a surrogate
  EXPECT_EQ(invalid_utf8_at("\xf4\x90\x80\x80"), 0u); // above U+10FFFF
  EXPECT_EQ(invalid_utf8_at("ok\xe2\x82x"), 2u);      // a bad third byte
}

} // namespace
} // namespace tunemantra::domain
