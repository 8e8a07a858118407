// Audio measurement and image probing on files the test makes itself.

#include <gtest/gtest.h>

#include "domain/media.hpp"
#include "tests/support/media_fixtures.hpp"
#include "tests/support/test_support.hpp"

namespace tmn = tunemantra;
using tmn::domain::media_kind;
using tmn::test::tone;

namespace {

tmn::domain::audio_info measure(const tmn::test::temp_dir& dir, const tone& t) {
  const auto file = dir.path() / ("tone." + t.format);
  tmn::test::write_tone(file, t);
  return tmn::domain::analyse_audio(file, t.format == "flac" ? media_kind::flac : media_kind::wav);
}

media_kind sniffed(const std::string& bytes) { return tmn::domain::sniff_media(bytes); }

} // namespace

TEST(Audio, StereoSineAtMinus23DbfsReadsMinus23Lufs) {
  // EBU Tech 3341 test 1: a stereo 1 kHz sine at -23 dBFS, 20 s, must read -23.0 +/- 0.1 LUFS.
  tmn::test::temp_dir dir;
  tone t;
  t.sample_rate = 48000;
  t.seconds = 20;
  const auto a = measure(dir, t);
  EXPECT_NEAR(a.loudness_lufs, -23.0, 0.1);
  EXPECT_NEAR(a.true_peak_dbtp, -23.0, 0.2);
  EXPECT_EQ(a.format, "WAV");
  EXPECT_EQ(a.sample_rate, 48000);
  EXPECT_EQ(a.bit_depth, 16);
  EXPECT_EQ(a.channels, 2);
  EXPECT_EQ(a.frames, 20 * 48000);
  EXPECT_EQ(a.duration_ms, 20000);
  EXPECT_EQ(a.clipped_samples, 0);
  EXPECT_EQ(a.leading_silence_ms, 0);
  EXPECT_EQ(a.trailing_silence_ms, 0);
}

TEST(Audio, FlacIsDecodedAndMeasuredTheSameWay) {
  tmn::test::temp_dir dir;
  tone t;
  t.format = "flac";
  t.bit_depth = 24;
  t.seconds = 10;
  t.amplitude_dbfs = -18;
  const auto a = measure(dir, t);
  EXPECT_EQ(a.format, "FLAC");
  EXPECT_EQ(a.bit_depth, 24);
  EXPECT_EQ(a.duration_ms, 10000);
  EXPECT_NEAR(a.loudness_lufs, -18.0, 0.1);
}

TEST(Audio, MonoCountsAsDualMono) {
  tmn::test::temp_dir dir;
  tone t;
  t.channels = 1;
  t.seconds = 10;
  const auto a = measure(dir, t);
  EXPECT_EQ(a.channels, 1);
  EXPECT_NEAR(a.loudness_lufs, -23.0, 0.1); // BS.1770 dual mono: the same sine in both ears
}

TEST(Audio, ClippingAndSilenceAreMeasured) {
  tmn::test::temp_dir dir;
  tone loud;
  loud.amplitude_dbfs = 0;
  loud.clip = true;
  loud.seconds = 2;
  EXPECT_GT(measure(dir, loud).clipped_samples, 1000);

  tone near_full;
  near_full.amplitude_dbfs = -0.5;
  near_full.seconds = 2;
  EXPECT_EQ(measure(dir, near_full).clipped_samples, 0);

  tone quiet_ends;
  quiet_ends.seconds = 5;
  quiet_ends.lead_silence_s = 12;
  quiet_ends.tail_silence_s = 11.5;
  const auto a = measure(dir, quiet_ends);
  EXPECT_NEAR(static_cast<double>(a.leading_silence_ms), 12000, 2);
  EXPECT_NEAR(static_cast<double>(a.trailing_silence_ms), 11500, 2);
  EXPECT_EQ(a.duration_ms, 28500);

  tone silent;
  silent.amplitude_dbfs = -200;
  silent.seconds = 3;
  const auto s = measure(dir, silent);
  EXPECT_EQ(s.leading_silence_ms, 3000);
  EXPECT_DOUBLE_EQ(s.loudness_lufs, -70.0);
}

TEST(Audio, TruncatedOrCorruptFilesAreRefused) {
  tmn::test::temp_dir dir;
  for (const std::string format : {"wav", "flac"}) {
    tone t;
    t.format = format;
    t.seconds = 3;
    const auto file = dir.path() / ("whole." + format);
    const auto bytes = tmn::test::write_tone(file, t);
    const auto kind = format == "wav" ? media_kind::wav : media_kind::flac;
    ASSERT_EQ(sniffed(bytes), kind);

    const auto cut = dir.path() / ("cut." + format);
    tmn::test::write_bytes(cut, bytes.substr(0, bytes.size() / 2));
    EXPECT_THROW(tmn::domain::analyse_audio(cut, kind), tmn::domain::media_error) << format;

    auto garbled = bytes;
    for (std::size_t i = 12; i < garbled.size(); ++i)
      garbled[i] = static_cast<char>(i * 7919 % 251);
    const auto bad = dir.path() / ("bad." + format);
    tmn::test::write_bytes(bad, garbled);
    EXPECT_THROW(tmn::domain::analyse_audio(bad, kind), tmn::domain::media_error) << format;
  }
  // A FLAC named as WAV: the bytes decide.
  tone t;
  t.format = "flac";
  t.seconds = 1;
  const auto file = dir.path() / "really.flac";
  tmn::test::write_tone(file, t);
  EXPECT_THROW(tmn::domain::analyse_audio(file, media_kind::wav), tmn::domain::media_error);
}

TEST(Media, SniffingAndContentTypes) {
  EXPECT_EQ(sniffed(tmn::test::make_png(4, 4)), media_kind::png);
  EXPECT_EQ(sniffed(tmn::test::make_jpeg(8, 8)), media_kind::jpeg);
  EXPECT_EQ(sniffed(std::string("RIFF\x10\0\0\0WAVEfmt ", 16)), media_kind::wav);
  EXPECT_EQ(sniffed(std::string("fLaC\0\0\0\x22", 8)), media_kind::flac);
  EXPECT_EQ(sniffed("ID3\x04 an mp3"), media_kind::unknown);
  EXPECT_EQ(sniffed(""), media_kind::unknown);
  using tmn::domain::media_kind_for_content_type;
  EXPECT_EQ(media_kind_for_content_type("audio/wav"), media_kind::wav);
  EXPECT_EQ(media_kind_for_content_type("audio/x-wav; codecs=1"), media_kind::wav);
  EXPECT_EQ(media_kind_for_content_type("Audio/FLAC"), media_kind::flac);
  EXPECT_EQ(media_kind_for_content_type("image/jpeg"), media_kind::jpeg);
  EXPECT_EQ(media_kind_for_content_type("image/png"), media_kind::png);
  EXPECT_EQ(media_kind_for_content_type("application/json"), media_kind::unknown);
}

TEST(Images, PngSizeAndColourMode) {
  tmn::test::temp_dir dir;
  const auto file = dir.path() / "cover.png";
  struct { int type; const char* mode; } cases[] = {{2, "rgb"}, {6, "rgba"}, {0, "grayscale"}, {3, "indexed"}, {4, "grayscale_alpha"}};
  for (const auto& c : cases) {
    tmn::test::write_bytes(file, tmn::test::make_png(640, 480, c.type));
    const auto info = tmn::domain::probe_image(file, media_kind::png);
    EXPECT_EQ(info.format, "PNG");
    EXPECT_EQ(info.width, 640);
    EXPECT_EQ(info.height, 480);
    EXPECT_EQ(info.colour_mode, c.mode);
  }
  const auto big = tmn::test::make_png(3000, 3000);
  tmn::test::write_bytes(file, big);
  EXPECT_EQ(tmn::domain::probe_image(file, media_kind::png).width, 3000);

  tmn::test::write_bytes(file, big.substr(0, big.size() - 20));
  EXPECT_THROW(tmn::domain::probe_image(file, media_kind::png), tmn::domain::media_error);
  auto flipped = big;
  flipped[flipped.size() / 2] ^= 0x55;
  tmn::test::write_bytes(file, flipped);
  EXPECT_THROW(tmn::domain::probe_image(file, media_kind::png), tmn::domain::media_error);
  tmn::test::write_bytes(file, tmn::test::make_jpeg(10, 10));
  EXPECT_THROW(tmn::domain::probe_image(file, media_kind::png), tmn::domain::media_error); // mislabelled
}

/// The probe's message for `bytes` as a PNG or JPEG ("" when it is accepted).
std::string refusal(const std::string& bytes, media_kind kind, std::uint64_t max_pixels = 100'000'000) {
  tmn::test::temp_dir dir;
  const auto file = dir.path() / "cover";
  tmn::test::write_bytes(file, bytes);
  try {
    tmn::domain::probe_image(file, kind, max_pixels);
    return "";
  } catch (const tmn::domain::media_error& e) {
    return e.what();
  }
}

TEST(Images, PixelsAreDecodedToTheEndAndHugeOnesRefusedBeforeDecoding) {
  // Every chunk well formed, CRCs right, but the image data stops after 100 of 480 rows.
  auto why = refusal(tmn::test::make_png(640, 480, 2, 100), media_kind::png);
  EXPECT_NE(why.find("PNG does not decode"), std::string::npos) << why;
  // A small file whose header claims 100000 x 100000 pixels, its data cut: refused from the header.
  why = refusal(tmn::test::make_png(100'000, 100'000, 2, 1), media_kind::png);
  EXPECT_NE(why.find("100000x100000 pixels, more than the 100000000 allowed"), std::string::npos) << why;
  EXPECT_NE(refusal(tmn::test::make_png(3000, 3000), media_kind::png, 4'000'000).find("more than"), std::string::npos);
  EXPECT_EQ(refusal(tmn::test::make_png(3000, 3000), media_kind::png), "");
  // A JPEG whose scan data is cut to a third, with its end-of-image marker put back after it.
  const auto jpeg = tmn::test::make_jpeg(1200, 900);
  why = refusal(jpeg.substr(0, jpeg.size() / 3) + "\xff\xd9", media_kind::jpeg);
  EXPECT_NE(why.find("JPEG does not decode"), std::string::npos) << why;
  why = refusal(jpeg, media_kind::jpeg, 1000);
  EXPECT_NE(why.find("1200x900 pixels, more than the 1000 allowed"), std::string::npos) << why;
}

TEST(Images, JpegSizeAndColourMode) {
  tmn::test::temp_dir dir;
  const auto file = dir.path() / "cover.jpg";
  struct { int components; const char* mode; } cases[] = {{3, "rgb"}, {1, "grayscale"}, {4, "cmyk"}};
  for (const auto& c : cases) {
    tmn::test::write_bytes(file, tmn::test::make_jpeg(1200, 900, c.components));
    const auto info = tmn::domain::probe_image(file, media_kind::jpeg);
    EXPECT_EQ(info.format, "JPEG");
    EXPECT_EQ(info.width, 1200);
    EXPECT_EQ(info.height, 900);
    EXPECT_EQ(info.colour_mode, c.mode);
  }
  const auto jpeg = tmn::test::make_jpeg(1200, 900);
  tmn::test::write_bytes(file, jpeg.substr(0, jpeg.size() * 2 / 3));
  EXPECT_THROW(tmn::domain::probe_image(file, media_kind::jpeg), tmn::domain::media_error);
  tmn::test::write_bytes(file, jpeg.substr(0, 200));
  EXPECT_THROW(tmn::domain::probe_image(file, media_kind::jpeg), tmn::domain::media_error);
}
