#include "tests/support/media_fixtures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <vector>

#include <jpeglib.h>
#include <sndfile.h>
#include <zlib.h>

namespace tunemantra::test {

std::string read_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string write_tone(const std::filesystem::path& file, const tone& t) {
  SF_INFO info{};
  info.samplerate = t.sample_rate;
  info.channels = t.channels;
  info.format = (t.format == "flac" ? SF_FORMAT_FLAC : SF_FORMAT_WAV) | (t.bit_depth == 24 ? SF_FORMAT_PCM_24 : SF_FORMAT_PCM_16);
  SNDFILE* snd = sf_open(file.c_str(), SFM_WRITE, &info);
  if (!snd)
    throw std::runtime_error(std::string("cannot write test audio: ") + sf_strerror(nullptr));
  // Full-scale floats would clip on conversion; a clipped tone is driven 6 dB over and cut at 1.0.
  sf_command(snd, SFC_SET_CLIPPING, nullptr, SF_TRUE);
  const double amplitude = std::pow(10.0, t.amplitude_dbfs / 20) * (t.clip ? 2.0 : 1.0);
  const auto lead = static_cast<long>(t.lead_silence_s * t.sample_rate);
  const auto body = static_cast<long>(t.seconds * t.sample_rate);
  const auto tail = static_cast<long>(t.tail_silence_s * t.sample_rate);
  const double pi = std::acos(-1.0);
  std::vector<double> frame(static_cast<std::size_t>(t.channels));
  std::vector<double> block;
  for (long n = 0; n < lead + body + tail; ++n) {
    double v = 0;
    if (n >= lead && n < lead + body) {
      v = amplitude * std::sin(2 * pi * t.frequency_hz * static_cast<double>(n - lead) / t.sample_rate);
      v = std::clamp(v, -1.0, 1.0);
    }
    for (int c = 0; c < t.channels; ++c)
      block.push_back(v);
    if (block.size() >= 8192 * static_cast<std::size_t>(t.channels)) {
      sf_writef_double(snd, block.data(), static_cast<sf_count_t>(block.size() / static_cast<std::size_t>(t.channels)));
      block.clear();
    }
  }
  if (!block.empty())
    sf_writef_double(snd, block.data(), static_cast<sf_count_t>(block.size() / static_cast<std::size_t>(t.channels)));
  sf_close(snd);
  return read_bytes(file);
}

namespace {

void put32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out += static_cast<char>((v >> shift) & 0xff);
}

void chunk(std::string& out, const std::string& type, const std::string& data) {
  put32(out, static_cast<std::uint32_t>(data.size()));
  const std::string body = type + data;
  out += body;
  put32(out, static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
}

} // namespace

std::string make_png(int width, int height, int colour_type, int data_rows) {
  const int channels = colour_type == 2 ? 3 : colour_type == 6 ? 4 : colour_type == 4 ? 2 : 1;
  std::string ihdr;
  put32(ihdr, static_cast<std::uint32_t>(width));
  put32(ihdr, static_cast<std::uint32_t>(height));
  ihdr += std::string{8, static_cast<char>(colour_type), 0, 0, 0};
  std::string raw;
  const int rows = data_rows < 0 ? height : data_rows;
  raw.reserve(static_cast<std::size_t>(rows) * (1 + static_cast<std::size_t>(width) * channels));
  std::string row(1 + static_cast<std::size_t>(width) * channels, '\x40');
  row[0] = 0; // filter: none
  for (int y = 0; y < rows; ++y)
    raw += row;
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string packed(size, '\0');
  compress2(reinterpret_cast<Bytef*>(packed.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
            static_cast<uLong>(raw.size()), 1);
  packed.resize(size);
  std::string out = "\x89PNG\r\n\x1a\n";
  chunk(out, "IHDR", ihdr);
  if (colour_type == 3)
    chunk(out, "PLTE", std::string(3 * 256, '\x40'));
  chunk(out, "IDAT", packed);
  chunk(out, "IEND", "");
  return out;
}

std::string make_jpeg(int width, int height, int components) {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr jerr{};
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(width);
  cinfo.image_height = static_cast<JDIMENSION>(height);
  cinfo.input_components = components;
  cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 4 ? JCS_CMYK : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 80, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  std::vector<unsigned char> row(static_cast<std::size_t>(width) * static_cast<std::size_t>(components), 0x80);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW rows[1] = {row.data()};
    jpeg_write_scanlines(&cinfo, rows, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::string out(reinterpret_cast<char*>(buffer), size);
  std::free(buffer);
  return out;
}

} // namespace tunemantra::test
