// The framing rules of http/framing.cpp, alone: RFC 9112 §6 and RFC 9110 §8.6.

#include <gtest/gtest.h>

#include "http/framing.hpp"

namespace tunemantra::http {
namespace {

using fields = std::multimap<std::string, std::string>;

framing judge(fields f, const std::string& version = "HTTP/1.1") {
  f.emplace("Host", "x");
  return judge_framing(version, f);
}

TEST(framing, no_length_and_no_coding_is_an_empty_body) {
  const auto f = judge({});
  EXPECT_TRUE(f.ok());
  EXPECT_EQ(f.body, body_kind::none);
  EXPECT_FALSE(f.has_body());
}

TEST(framing, one_content_length_gives_the_length) {
  auto f = judge({{"Content-Length", "1234"}});
  ASSERT_TRUE(f.ok()) << f.problem;
  EXPECT_EQ(f.body, body_kind::length);
  EXPECT_EQ(f.length, 1234u);
  EXPECT_TRUE(f.has_body());
  f = judge({{"Content-Length", "0"}});
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f.has_body());
  EXPECT_TRUE(judge({{"Content-Length", " 7 "}}).ok()); // optional white space around a field value
  EXPECT_EQ(judge({{"Content-Length", "18446744073709551615"}}).length, 18446744073709551615u);
}

TEST(framing, a_bad_or_repeated_content_length_is_400) {
  for (const auto* bad : {"", "-1", "+5", "5 5", "0x10", "5,5", "5, 6", "abc", "18446744073709551616"}) {
    const auto f = judge({{"Content-Length", bad}});
    EXPECT_EQ(f.status, 400) << "Content-Length: " << bad;
    EXPECT_FALSE(f.problem.empty());
  }
  EXPECT_EQ(judge({{"Content-Length", "5"}, {"Content-Length", "5"}}).status, 400);
  EXPECT_EQ(judge({{"Content-Length", "3"}, {"Content-Length", "5"}}).status, 400);
}

TEST(framing, chunked_alone_and_last_is_a_chunked_body) {
  for (const auto* te : {"chunked", "Chunked", " chunked ", "CHUNKED", ", chunked"}) {
    const auto f = judge({{"Transfer-Encoding", te}});
    ASSERT_TRUE(f.ok()) << te << ": " << f.problem;
    EXPECT_EQ(f.body, body_kind::chunked);
    EXPECT_TRUE(f.has_body());
  }
}

TEST(framing, codings_other_than_chunked_are_refused) {
  EXPECT_EQ(judge({{"Transfer-Encoding", "xchunked"}}).status, 400); // chunked not last: no length
  EXPECT_EQ(judge({{"Transfer-Encoding", "gzip"}}).status, 400);
  EXPECT_EQ(judge({{"Transfer-Encoding", "chunked, gzip"}}).status, 400);
  EXPECT_EQ(judge({{"Transfer-Encoding", "chunked, chunked"}}).status, 400);
  EXPECT_EQ(judge({{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}).status, 400);
  EXPECT_EQ(judge({{"Transfer-Encoding", ""}}).status, 400);
  EXPECT_EQ(judge({{"Transfer-Encoding", "gzip, chunked"}}).status, 501); // framed, but a coding we lack
  EXPECT_EQ(judge({{"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}}).status, 501);
}

TEST(framing, length_and_coding_together_or_coding_in_http_1_0_are_400) {
  EXPECT_EQ(judge({{"Content-Length", "3"}, {"Transfer-Encoding", "chunked"}}).status, 400);
  EXPECT_EQ(judge({{"Transfer-Encoding", "chunked"}}, "HTTP/1.0").status, 400);
  EXPECT_TRUE(judge({{"Content-Length", "3"}}, "HTTP/1.0").ok());
}

TEST(framing, http_1_1_needs_exactly_one_host) {
  EXPECT_EQ(judge_framing("HTTP/1.1", {}).status, 400);
  EXPECT_EQ(judge_framing("HTTP/1.1", {{"Host", "a"}, {"Host", "b"}}).status, 400);
  EXPECT_TRUE(judge_framing("HTTP/1.0", {}).ok());
}

} // namespace
} // namespace tunemantra::http
