#include "domain/media.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include <ebur128.h>
#include <sndfile.h>
#include <zlib.h>


namespace tunemantra::domain {
namespace {

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
std::uint32_t le32(const unsigned char* p) {
  return (std::uint32_t{p[3]} << 24) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) | p[0];
}
int be16(const unsigned char* p) { return (p[0] << 8) | p[1]; }

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw media_error("cannot read the uploaded file");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A RIFF/WAVE file must hold `fmt ` and a `data` chunk that fits in the file: a truncated upload
/// otherwise decodes as a shorter, silently damaged recording.
void check_riff_structure(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  unsigned char header[12];
  if (!in.read(reinterpret_cast<char*>(header), sizeof header))
    throw media_error("WAV file is truncated (no RIFF header)");
  if (std::memcmp(header, "RIFF", 4) != 0)
    return; // RF64 and friends: libsndfile checks them
  const auto size = static_cast<std::uint64_t>(std::filesystem::file_size(file));
  std::uint64_t at = 12;
  bool fmt = false;
  while (at + 8 <= size) {
    unsigned char chunk[8];
    in.seekg(static_cast<std::streamoff>(at));
    if (!in.read(reinterpret_cast<char*>(chunk), sizeof chunk))
      break;
    const std::uint64_t length = le32(chunk + 4);
    if (std::memcmp(chunk, "fmt ", 4) == 0)
      fmt = true;
    if (std::memcmp(chunk, "data", 4) == 0) {
      if (!fmt)
        throw media_error("WAV file has its data before its format chunk");
      if (at + 8 + length > size)
        throw media_error("WAV file is truncated: the data chunk declares " + std::to_string(length) + " bytes, "
                          + std::to_string(size - at - 8) + " are present");
      return;
    }
    at += 8 + length + (length & 1);
  }
  throw media_error("WAV file has no complete data chunk");
}

int bit_depth_of(int format) {
  switch (format & SF_FORMAT_SUBMASK) {
  case SF_FORMAT_PCM_S8:
  case SF_FORMAT_PCM_U8:
  case SF_FORMAT_ULAW:
  case SF_FORMAT_ALAW:
    return 8;
  case SF_FORMAT_PCM_16:
    return 16;
  case SF_FORMAT_PCM_24:
    return 24;
  case SF_FORMAT_PCM_32:
  case SF_FORMAT_FLOAT:
    return 32;
  case SF_FORMAT_DOUBLE:
    return 64;
  default:
    return 0;
  }
}

struct sndfile_closer {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
struct ebur128_closer {
  void operator()(ebur128_state* s) const { ebur128_destroy(&s); }
};

constexpr float full_scale = 0.9999f; ///< int16 full scale reads as 32767/32768
constexpr float silence_level = 0.001f; ///< -60 dBFS

} // namespace

media_kind sniff_media(std::string_view head) {
  auto starts = [&](std::string_view magic, std::size_t at = 0) {
    return head.size() >= at + magic.size() && head.substr(at, magic.size()) == magic;
  };
  if ((starts("RIFF") || starts("RF64")) && starts("WAVE", 8))
    return media_kind::wav;
  if (starts("fLaC"))
    return media_kind::flac;
  if (starts("\x89PNG\r\n\x1a\n"))
    return media_kind::png;
  if (starts("\xff\xd8\xff"))
    return media_kind::jpeg;
  return media_kind::unknown;
}

std::string_view to_string(media_kind k) {
  switch (k) {
  case media_kind::wav:
    return "WAV";
  case media_kind::flac:
    return "FLAC";
  case media_kind::png:
    return "PNG";
  case media_kind::jpeg:
    return "JPEG";
  case media_kind::unknown:
    break;
  }
  return "unknown";
}

std::string_view extension(media_kind k) {
  switch (k) {
  case media_kind::wav:
    return "wav";
  case media_kind::flac:
    return "flac";
  case media_kind::png:
    return "png";
  case media_kind::jpeg:
    return "jpg";
  case media_kind::unknown:
    break;
  }
  return "bin";
}

media_kind media_kind_for_content_type(std::string_view content_type) {
  auto type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ')
    type.remove_suffix(1);
  std::string lower(type);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "audio/wav" || lower == "audio/x-wav" || lower == "audio/wave" || lower == "audio/vnd.wave")
    return media_kind::wav;
  if (lower == "audio/flac" || lower == "audio/x-flac")
    return media_kind::flac;
  if (lower == "image/png")
    return media_kind::png;
  if (lower == "image/jpeg" || lower == "image/jpg")
    return media_kind::jpeg;
  return media_kind::unknown;
}

audio_info analyse_audio(const std::filesystem::path& file, media_kind kind) {
  if (kind != media_kind::wav && kind != media_kind::flac)
    throw media_error("not a WAV or FLAC file");
  if (kind == media_kind::wav)
    check_riff_structure(file);

  SF_INFO info{};
  std::unique_ptr<SNDFILE, sndfile_closer> snd(sf_open(file.c_str(), SFM_READ, &info));
  if (!snd)
    throw media_error(std::string("cannot decode the audio: ") + sf_strerror(nullptr));
  const int major = info.format & SF_FORMAT_TYPEMASK;
  const bool matches = kind == media_kind::flac ? major == SF_FORMAT_FLAC
                                                : (major == SF_FORMAT_WAV || major == SF_FORMAT_WAVEX || major == SF_FORMAT_RF64);
  if (!matches)
    throw media_error("the file's content does not match its WAV/FLAC header");
  if (info.channels < 1 || info.channels > 8 || info.samplerate < 8000 || info.samplerate > 384000)
    throw media_error("unsupported audio layout: " + std::to_string(info.channels) + " channels at "
                      + std::to_string(info.samplerate) + " Hz");

  audio_info out;
  out.format = std::string(to_string(kind));
  out.sample_rate = info.samplerate;
  out.channels = info.channels;
  out.bit_depth = bit_depth_of(info.format);

  std::unique_ptr<ebur128_state, ebur128_closer> meter(
    ebur128_init(static_cast<unsigned>(info.channels), static_cast<unsigned long>(info.samplerate),
                 EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK));
  if (!meter)
    throw media_error("cannot measure loudness for this layout");
  if (info.channels == 1)
    ebur128_set_channel(meter.get(), 0, EBUR128_DUAL_MONO); // BS.1770: mono counts for both ears

  constexpr sf_count_t block = 4096;
  const auto channels = static_cast<std::size_t>(info.channels);
  std::vector<float> buffer(static_cast<std::size_t>(block) * channels);
  std::vector<int> run(channels, 0); // current full-scale run per channel
  std::int64_t frames = 0, first_loud = -1, last_loud = -1;
  for (;;) {
    const sf_count_t got = sf_readf_float(snd.get(), buffer.data(), block);
    if (got <= 0)
      break;
    if (ebur128_add_frames_float(meter.get(), buffer.data(), static_cast<std::size_t>(got)) != EBUR128_SUCCESS)
      throw media_error("cannot measure loudness");
    for (sf_count_t f = 0; f < got; ++f) {
      bool loud = false;
      for (std::size_t c = 0; c < channels; ++c) {
        const float v = std::fabs(buffer[static_cast<std::size_t>(f) * channels + c]);
        if (!std::isfinite(v))
          throw media_error("the audio holds samples that are not numbers");
        loud = loud || v >= silence_level;
        if (v >= full_scale) {
          if (++run[c] == 3)
            out.clipped_samples += 3;
          else if (run[c] > 3)
            ++out.clipped_samples;
        } else {
          run[c] = 0;
        }
      }
      if (loud) {
        if (first_loud < 0)
          first_loud = frames + f;
        last_loud = frames + f;
      }
    }
    frames += got;
  }
  if (sf_error(snd.get()) != SF_ERR_NO_ERROR)
    throw media_error(std::string("the audio is corrupt: ") + sf_strerror(snd.get()));
  if (info.frames > 0 && frames < info.frames)
    throw media_error("the audio is truncated: " + std::to_string(frames) + " of " + std::to_string(info.frames)
                      + " frames decode");
  if (frames == 0)
    throw media_error("the audio has no samples");

  const auto to_ms = [&](std::int64_t n) { return n * 1000 / info.samplerate; };
  out.frames = frames;
  out.duration_ms = to_ms(frames);
  out.leading_silence_ms = first_loud < 0 ? out.duration_ms : to_ms(first_loud);
  out.trailing_silence_ms = last_loud < 0 ? out.duration_ms : to_ms(frames - 1 - last_loud);

  double loudness = -HUGE_VAL;
  ebur128_loudness_global(meter.get(), &loudness);
  out.loudness_lufs = std::isfinite(loudness) ? std::max(loudness, -70.0) : -70.0;
  double peak = 0;
  for (unsigned c = 0; c < static_cast<unsigned>(info.channels); ++c) {
    double p = 0;
    if (ebur128_true_peak(meter.get(), c, &p) == EBUR128_SUCCESS)
      peak = std::max(peak, p);
  }
  out.true_peak_dbtp = peak > 0 ? std::max(20 * std::log10(peak), -144.0) : -144.0;
  return out;
}

namespace {

image_info probe_png(const std::string& bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t size = bytes.size();
  std::size_t at = 8;
  image_info out;
  out.format = "PNG";
  bool header = false, data = false;
  while (true) {
    if (at + 12 > size)
      throw media_error("PNG file is truncated (no IEND chunk)");
    const std::uint32_t length = be32(p + at);
    const std::string_view type(bytes.data() + at + 4, 4);
    if (length > size - at - 12)
      throw media_error("PNG file is truncated inside its " + std::string(type) + " chunk");
    const auto crc = static_cast<std::uint32_t>(crc32(0L, p + at + 4, static_cast<uInt>(length + 4)));
    if (crc != be32(p + at + 8 + length))
      throw media_error("PNG chunk " + std::string(type) + " has a wrong CRC (the file is corrupt)");
    const unsigned char* body = p + at + 8;
    if (!header) {
      if (type != "IHDR" || length != 13)
        throw media_error("PNG file does not start with an IHDR chunk");
      header = true;
      const auto width = be32(body), height = be32(body + 4);
      if (width == 0 || height == 0 || width > 1'000'000 || height > 1'000'000)
        throw media_error("PNG has an impossible size");
      out.width = static_cast<int>(width);
      out.height = static_cast<int>(height);
      out.bit_depth = body[8];
      switch (body[9]) {
      case 0: out.colour_mode = "grayscale"; break;
      case 2: out.colour_mode = "rgb"; break;
      case 3: out.colour_mode = "indexed"; break;
      case 4: out.colour_mode = "grayscale_alpha"; break;
      case 6: out.colour_mode = "rgba"; break;
      default: throw media_error("PNG has an unknown colour type");
      }
    } else if (type == "IDAT") {
      data = true;
    } else if (type == "IEND") {
      if (!data)
        throw media_error("PNG file has no image data");
      return out;
    }
    at += 12 + length;
  }
}

bool is_sof(int marker) {
  return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
}

image_info probe_jpeg(const std::string& bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t size = bytes.size();
  image_info out;
  out.format = "JPEG";
  std::size_t at = 2; // after SOI
  bool frame = false, scan = false;
  while (at < size) {
    if (p[at] != 0xff)
      throw media_error("JPEG file is corrupt (expected a marker at byte " + std::to_string(at) + ")");
    while (at < size && p[at] == 0xff)
      ++at; // fill bytes
    if (at >= size)
      break;
    const int marker = p[at++];
    if (marker == 0xd9) { // EOI
      if (!frame || !scan)
        throw media_error("JPEG file ends before its image data");
      return out;
    }
    if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7))
      continue; // no length
    if (at + 2 > size)
      break;
    const auto length = static_cast<std::size_t>(be16(p + at));
    if (length < 2 || at + length > size)
      break;
    const unsigned char* seg = p + at + 2;
    if (is_sof(marker)) {
      if (length < 8)
        throw media_error("JPEG frame header is too short");
      frame = true;
      out.bit_depth = seg[0];
      out.height = be16(seg + 1);
      out.width = be16(seg + 3);
      const int components = seg[5];
      out.colour_mode = components == 1 ? "grayscale" : components == 3 ? "rgb" : components == 4 ? "cmyk" : "unknown";
      if (out.width == 0 || out.height == 0)
        throw media_error("JPEG has no size in its frame header");
    }
    at += length;
    if (marker == 0xda) { // SOS: entropy-coded data runs to the next marker that is not RSTn or a stuffed 0
      scan = true;
      while (at + 1 < size && !(p[at] == 0xff && p[at + 1] != 0 && !(p[at + 1] >= 0xd0 && p[at + 1] <= 0xd7)))
        ++at;
      if (at + 1 >= size)
        break;
    }
  }
  throw media_error("JPEG file is truncated (no end-of-image marker)");
}

} // namespace

image_info probe_image(const std::filesystem::path& file, media_kind kind) {
  const auto bytes = read_file(file);
  if (sniff_media(bytes) != kind || (kind != media_kind::png && kind != media_kind::jpeg))
    throw media_error("not a PNG or JPEG file");
  return kind == media_kind::png ? probe_png(bytes) : probe_jpeg(bytes);
}

} // namespace tunemantra::domain
