// Streaming gzip: fed in any pieces (down to one byte), several members as gzip(1) concatenates
// them, corrupt and cut-short streams told apart, and a sink that says stop.

#include <gtest/gtest.h>
#include <zlib.h>

#include "domain/gunzip.hpp"

namespace tunemantra::domain {
namespace {

std::string gz(const std::string& text) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

std::string inflate_in_pieces(const std::string& compressed, std::size_t piece, gunzip& g) {
  std::string out;
  for (std::size_t at = 0; at < compressed.size(); at += piece)
    if (!g.feed(compressed.substr(at, piece), [&](std::string_view d) { return out.append(d), true; }))
      break;
  return out;
}

TEST(gunzip, inflates_whatever_the_pieces_and_members) {
  std::string text;
  for (int i = 0; i < 20000; ++i)
    text += "SU02\t1\tS1\tT" + std::to_string(i) + "\tR1\tA1\ttrue\t" + std::to_string(i % 7) + "\n";
  const auto two = gz(text.substr(0, 1000)) + gz(text.substr(1000));
  for (const std::size_t piece : {1u, 7u, 4096u, 1u << 20}) {
    gunzip g;
    EXPECT_EQ(inflate_in_pieces(two, piece, g), text) << piece;
    EXPECT_TRUE(g.complete());
    EXPECT_EQ(g.error(), "");
  }
  EXPECT_TRUE(looks_gzip(two));
  EXPECT_FALSE(looks_gzip("HEAD\t"));
  EXPECT_FALSE(looks_gzip("\x1f"));
}

TEST(gunzip, a_corrupt_or_cut_short_stream_is_told) {
  const auto whole = gz(std::string(100000, 'x') + "tail");
  gunzip cut;
  inflate_in_pieces(whole.substr(0, whole.size() - 8), 512, cut);
  EXPECT_FALSE(cut.complete());
  EXPECT_EQ(cut.error(), "");
  auto broken = whole;
  broken[10] ^= 0x7f;
  broken[11] ^= 0x7f;
  gunzip bad;
  inflate_in_pieces(broken, 512, bad);
  EXPECT_FALSE(bad.complete());
  EXPECT_NE(bad.error().find("corrupt"), std::string::npos);
  gunzip garbage;
  EXPECT_FALSE(garbage.feed("definitely not gzip", [](std::string_view) { return true; }));
  EXPECT_FALSE(garbage.complete());
}

TEST(gunzip, a_sink_that_says_stop_stops_it) {
  gunzip g;
  std::size_t seen = 0;
  EXPECT_FALSE(g.feed(gz(std::string(1 << 20, 'y')), [&](std::string_view d) {
    seen += d.size();
    return seen < 100000;
  }));
  EXPECT_LT(seen, std::size_t{1} << 20);
  EXPECT_EQ(g.error(), "");
}

} // namespace
} // namespace tunemantra::domain
