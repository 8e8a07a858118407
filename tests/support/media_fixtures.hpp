#pragma once
// Media files made by the tests themselves: sine tones and silence written with libsndfile, PNGs
// built chunk by chunk with zlib, JPEGs encoded with libjpeg. No binary fixtures in the repo.

#include <filesystem>
#include <string>

namespace tunemantra::test {

struct tone {
  std::string format = "wav";   ///< wav or flac
  int sample_rate = 44100;
  int channels = 2;
  int bit_depth = 16;           ///< 16 or 24
  double seconds = 31;          ///< length of the tone
  double amplitude_dbfs = -23;  ///< peak amplitude of the sine
  double frequency_hz = 1000;
  double lead_silence_s = 0;    ///< digital silence before and after the tone
  double tail_silence_s = 0;
  bool clip = false;            ///< drive the sine into hard clipping
};

/// Writes the tone to `file` and returns the file's bytes.
std::string write_tone(const std::filesystem::path& file, const tone& t);

/// A PNG of one flat colour; colour_type 2 = RGB, 6 = RGBA, 0 = grayscale, 3 = indexed.
/// `data_rows` >= 0: only that many rows of pixels in IDAT (a well-formed file whose image data is cut).
std::string make_png(int width, int height, int colour_type = 2, int data_rows = -1);
/// A baseline JPEG of one flat colour with 1 (grayscale), 3 (RGB) or 4 (CMYK) components.
std::string make_jpeg(int width, int height, int components = 3);

std::string read_bytes(const std::filesystem::path& file);
void write_bytes(const std::filesystem::path& file, const std::string& bytes);

} // namespace tunemantra::test
