// Release validation: a release that passes, then one defective fixture per code, each checked for
// exactly the codes (and severities) it must report.

#include <functional>
#include <set>

#include <gtest/gtest.h>

#include "domain/release_check.hpp"

namespace tmn = tunemantra;
using namespace tmn::domain;

namespace {

constexpr std::string_view today = "2026-12-01";

struct fixture {
  release r;
  std::vector<track_for_check> tracks;
};

audio_info good_audio() {
  audio_info a;
  a.format = "WAV";
  a.sample_rate = 44100;
  a.bit_depth = 16;
  a.channels = 2;
  a.duration_ms = 185'000;
  a.loudness_lufs = -14;
  a.true_peak_dbtp = -1;
  return a;
}

track_for_check good_track(int position, std::string isrc) {
  track_for_check t;
  t.t.id = 100 + position;
  t.t.position = position;
  t.t.title = "Song " + std::to_string(position);
  t.t.isrc = std::move(isrc);
  t.t.audio = good_audio();
  t.splits = {{std::nullopt, "Writer One", 6000}, {42, "", 4000}};
  return t;
}

fixture good_release() {
  fixture f;
  f.r.id = 1;
  f.r.title = "First Light";
  f.r.type = release_type::ep;
  f.r.upc = "5012345678900";
  f.r.release_date = "2027-01-15";
  f.r.label_name = "Moon Records";
  f.r.genre = "Electronic";
  f.r.p_line = "2027 Moon Records";
  f.r.c_line = "2027 Moon Records";
  f.r.artwork = image_info{"JPEG", 3000, 3000, "rgb", 8, "", 0, ""};
  f.tracks = {good_track(1, "GBAYE2600001"), good_track(2, "GBAYE2600002")};
  return f;
}

/// "CODE" for errors, "CODE?" for warnings: enough to check codes and severities at once.
std::multiset<std::string> codes(const fixture& f) {
  std::multiset<std::string> out;
  for (const auto& i : check_release(f.r, f.tracks, today))
    out.insert(i.code + (i.severity == severity::warning ? "?" : ""));
  return out;
}

} // namespace

TEST(ReleaseCheck, AGoodReleaseHasNoIssues) {
  const auto f = good_release();
  EXPECT_TRUE(check_release(f.r, f.tracks, today).empty());
}

TEST(ReleaseCheck, OneDefectiveFixturePerCode) {
  struct defect {
    std::function<void(fixture&)> make;
    std::multiset<std::string> expected;
  };
  const std::vector<defect> defects = {
    {[](fixture& f) { f.r.upc.clear(); }, {"UPC_MISSING"}},
    {[](fixture& f) { f.r.genre.clear(); }, {"GENRE_MISSING"}},
    {[](fixture& f) { f.r.label_name.clear(); }, {"LABEL_MISSING"}},
    {[](fixture& f) { f.r.p_line.clear(); }, {"P_LINE_MISSING"}},
    {[](fixture& f) { f.r.c_line.clear(); }, {"C_LINE_MISSING"}},
    {[](fixture& f) { f.r.original_release_date = "2027-02-01"; }, {"ORIGINAL_DATE_AFTER_RELEASE_DATE"}},
    {[](fixture& f) { f.r.release_date = "2026-11-30"; }, {"RELEASE_DATE_IN_PAST"}},
    {[](fixture& f) {
       f.r.release_date = "2026-11-30";
       f.r.original_release_date = "1994-05-02";
     },
     {"RELEASE_DATE_IN_PAST?"}},
    {[](fixture& f) { f.r.artwork.reset(); }, {"ARTWORK_MISSING"}},
    {[](fixture& f) { f.r.artwork->width = f.r.artwork->height = 1400; }, {"ARTWORK_TOO_SMALL"}},
    {[](fixture& f) { f.r.artwork->height = 3200; }, {"ARTWORK_NOT_SQUARE"}},
    {[](fixture& f) { f.r.artwork->colour_mode = "cmyk"; }, {"ARTWORK_NOT_RGB"}},
    {[](fixture& f) { f.tracks.clear(); }, {"NO_TRACKS"}},
    {[](fixture& f) { f.tracks[1].t.isrc.clear(); }, {"ISRC_MISSING"}},
    {[](fixture& f) { f.tracks[0].t.audio.reset(); }, {"AUDIO_MISSING"}},
    {[](fixture& f) { f.tracks[0].t.audio->sample_rate = 22050; }, {"AUDIO_SAMPLE_RATE_TOO_LOW"}},
    {[](fixture& f) { f.tracks[0].t.audio->bit_depth = 8; }, {"AUDIO_BIT_DEPTH_TOO_LOW"}},
    {[](fixture& f) { f.tracks[0].t.audio->channels = 1; }, {"AUDIO_NOT_STEREO"}},
    {[](fixture& f) { f.tracks[1].t.audio->duration_ms = 29'999; }, {"TRACK_TOO_SHORT"}},
    {[](fixture& f) { f.tracks[0].t.audio->clipped_samples = 12; }, {"AUDIO_CLIPPING?"}},
    {[](fixture& f) { f.tracks[0].t.audio->leading_silence_ms = 10'001; }, {"AUDIO_LEADING_SILENCE?"}},
    {[](fixture& f) { f.tracks[0].t.audio->trailing_silence_ms = 14'000; }, {"AUDIO_TRAILING_SILENCE?"}},
    {[](fixture& f) { f.tracks[0].splits.clear(); }, {"SPLITS_MISSING?"}},
    {[](fixture& f) { f.tracks[0].splits[1].share_bps = 3000; }, {"SPLITS_NOT_100"}},
    {[](fixture& f) { f.tracks[1].t.position = 3; }, {"TRACK_POSITIONS_NOT_SEQUENTIAL"}},
    {[](fixture& f) { f.tracks[1].t.isrc = f.tracks[0].t.isrc; }, {"DUPLICATE_ISRC"}},
    {[](fixture& f) { f.tracks[1].t.explicit_content = true; }, {"PARENTAL_WARNING_MISMATCH?"}},
  };
  std::set<std::string> covered;
  for (const auto& d : defects) {
    auto f = good_release();
    d.make(f);
    EXPECT_EQ(codes(f), d.expected) << "fixture for " << *d.expected.begin();
    covered.insert(d.expected.begin(), d.expected.end());
  }
  EXPECT_EQ(covered.size(), defects.size()); // one fixture per code and severity
}

TEST(ReleaseCheck, BoundariesAreInclusive) {
  auto f = good_release();
  f.r.release_date = std::string(today);         // today is not the past
  f.tracks[0].t.audio->duration_ms = 30'000;      // exactly 30 s is long enough
  f.tracks[0].t.audio->leading_silence_ms = 10'000;
  f.tracks[0].t.audio->sample_rate = 44100;
  EXPECT_TRUE(check_release(f.r, f.tracks, today).empty());
}

TEST(ReleaseCheck, ManyProblemsAreAllReportedErrorsFirstWithFields) {
  auto f = good_release();
  f.r.genre.clear();
  f.r.artwork->width = 1000;
  f.tracks[1].t.audio->channels = 1;
  f.tracks[0].t.audio->clipped_samples = 3;
  const auto issues = check_release(f.r, f.tracks, today);
  ASSERT_EQ(issues.size(), 5u);
  EXPECT_EQ(issues[0].code, "GENRE_MISSING");
  EXPECT_EQ(issues[0].field, "genre");
  const auto last = issues.back();
  EXPECT_EQ(last.code, "AUDIO_CLIPPING");
  EXPECT_EQ(last.severity, severity::warning);
  EXPECT_EQ(last.field, "tracks[0].audio.clippedSamples");
  EXPECT_EQ(last.track_id, 101);
  EXPECT_TRUE(has_errors(issues));
  const auto mono = std::find_if(issues.begin(), issues.end(), [](auto& i) { return i.code == "AUDIO_NOT_STEREO"; });
  ASSERT_NE(mono, issues.end());
  EXPECT_EQ(mono->field, "tracks[1].audio.channels");
}

TEST(Splits, SharesMustAddUpExactly) {
  EXPECT_FALSE(check_splits({{1, "", 10000}}));
  EXPECT_FALSE(check_splits({{1, "", 3334}, {2, "", 3333}, {std::nullopt, "Outside Producer", 3333}}));
  EXPECT_TRUE(check_splits({}));
  EXPECT_TRUE(check_splits({{1, "", 5000}, {2, "", 4999}}));
  EXPECT_TRUE(check_splits({{1, "", 5000}, {1, "", 5000}}));                        // same user twice
  EXPECT_TRUE(check_splits({{std::nullopt, "A", 5000}, {std::nullopt, "A", 5000}})); // same name twice
  EXPECT_TRUE(check_splits({{1, "Also named", 10000}}));                            // both payee kinds
  EXPECT_TRUE(check_splits({{std::nullopt, "", 10000}}));                           // neither
  EXPECT_TRUE(check_splits({{1, "", 0}, {2, "", 10000}}));                          // a zero share
  EXPECT_TRUE(check_splits({{1, "", 10001}}));
}
