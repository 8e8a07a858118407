#include "domain/media.hpp"

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include <ebur128.h>
#include <jpeglib.h>
#include <png.h>
#include <sndfile.h>


namespace tunemantra::domain {
namespace {

std::uint32_t le32(const unsigned char* p) {
  return (std::uint32_t{p[3]} << 24) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) | p[0];
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

// Images are decoded to their last pixel, a row at a time, so a file whose structure is fine but
// whose pixel data is cut or damaged is refused, and memory stays at one row whatever the size.
// libpng and libjpeg report errors through a callback that must not return: the decoders below
// longjmp out of the library to the setjmp in the same function, whose locals are all plain C
// (nothing with a destructor is skipped), and turn that into a media_error there.

struct decode_state {
  char error[JMSG_LENGTH_MAX + 64] = {};
  std::jmp_buf jump;
};

void png_fail(png_structp png, png_const_charp message) {
  auto* st = static_cast<decode_state*>(png_get_error_ptr(png));
  std::snprintf(st->error, sizeof st->error, "%s", message);
  std::longjmp(st->jump, 1);
}

void png_warn(png_structp, png_const_charp) {} // ancillary oddities (a bad sRGB chunk ...) are not fatal

/// Decodes the PNG in `f`; fills `out` or `st.error`. Plain C inside the setjmp's reach.
bool decode_png(std::FILE* f, std::uint64_t max_pixels, image_info& out, decode_state& st) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st, png_fail, png_warn);
  if (!png)
    return std::snprintf(st.error, sizeof st.error, "out of memory"), false;
  png_infop info = png_create_info_struct(png);
  png_bytep volatile row = nullptr;
  if (setjmp(st.jump)) {
    std::free(row);
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  if (!info)
    png_error(png, "out of memory");
  png_init_io(png, f);
  png_set_user_limits(png, 1'000'000, 1'000'000);
  png_read_info(png, info);
  const auto width = png_get_image_width(png, info), height = png_get_image_height(png, info);
  if (static_cast<std::uint64_t>(width) * height > max_pixels) {
    std::snprintf(st.error, sizeof st.error, "the image is %ux%u pixels, more than the %llu allowed", width, height,
                  static_cast<unsigned long long>(max_pixels));
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  out.width = static_cast<int>(width);
  out.height = static_cast<int>(height);
  out.bit_depth = png_get_bit_depth(png, info);
  switch (png_get_color_type(png, info)) {
  case PNG_COLOR_TYPE_GRAY: out.colour_mode = "grayscale"; break;
  case PNG_COLOR_TYPE_RGB: out.colour_mode = "rgb"; break;
  case PNG_COLOR_TYPE_PALETTE: out.colour_mode = "indexed"; break;
  case PNG_COLOR_TYPE_GRAY_ALPHA: out.colour_mode = "grayscale_alpha"; break;
  default: out.colour_mode = "rgba"; break;
  }
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  row = static_cast<png_bytep>(std::malloc(png_get_rowbytes(png, info)));
  if (!row)
    png_error(png, "out of memory");
  for (int pass = 0; pass < passes; ++pass)
    for (png_uint_32 y = 0; y < height; ++y)
      png_read_row(png, row, nullptr);
  png_read_end(png, nullptr); // to IEND: a file cut after its pixels is refused too
  std::free(row);
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

struct jpeg_failure {
  jpeg_error_mgr mgr; // first: libjpeg hands back a pointer to it
  decode_state* st;
};

void jpeg_fail(j_common_ptr cinfo) {
  auto* e = reinterpret_cast<jpeg_failure*>(cinfo->err);
  char message[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, message);
  std::snprintf(e->st->error, sizeof e->st->error, "%s", message);
  std::longjmp(e->st->jump, 1);
}

/// libjpeg only warns about corrupt or missing data (and paints the rest grey): here it is an error.
void jpeg_message(j_common_ptr cinfo, int level) {
  if (level < 0)
    jpeg_fail(cinfo);
}

/// Decodes the JPEG in `f`; fills `out` or `st.error`. Plain C inside the setjmp's reach.
bool decode_jpeg(std::FILE* f, std::uint64_t max_pixels, image_info& out, decode_state& st) {
  jpeg_decompress_struct cinfo;
  jpeg_failure failure;
  cinfo.err = jpeg_std_error(&failure.mgr);
  failure.mgr.error_exit = jpeg_fail;
  failure.mgr.emit_message = jpeg_message;
  failure.st = &st;
  JSAMPROW volatile row = nullptr;
  if (setjmp(st.jump)) {
    std::free(row);
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_stdio_src(&cinfo, f);
  jpeg_read_header(&cinfo, TRUE);
  if (static_cast<std::uint64_t>(cinfo.image_width) * cinfo.image_height > max_pixels) {
    std::snprintf(st.error, sizeof st.error, "the image is %ux%u pixels, more than the %llu allowed",
                  cinfo.image_width, cinfo.image_height, static_cast<unsigned long long>(max_pixels));
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  out.width = static_cast<int>(cinfo.image_width);
  out.height = static_cast<int>(cinfo.image_height);
  out.bit_depth = cinfo.data_precision;
  out.colour_mode = cinfo.jpeg_color_space == JCS_GRAYSCALE                                      ? "grayscale"
                    : cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK ? "cmyk"
                                                                                               : "rgb";
  jpeg_start_decompress(&cinfo);
  row = static_cast<JSAMPROW>(std::malloc(static_cast<std::size_t>(cinfo.output_width) * cinfo.output_components));
  if (!row)
    jpeg_fail(reinterpret_cast<j_common_ptr>(&cinfo));
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW rows[1] = {row};
    jpeg_read_scanlines(&cinfo, rows, 1);
  }
  jpeg_finish_decompress(&cinfo); // to EOI
  std::free(row);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

} // namespace

image_info probe_image(const std::filesystem::path& file, media_kind kind, std::uint64_t max_pixels) {
  std::string head(12, '\0');
  {
    std::ifstream in(file, std::ios::binary);
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
  }
  if (sniff_media(head) != kind || (kind != media_kind::png && kind != media_kind::jpeg))
    throw media_error("not a PNG or JPEG file");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (!f)
    throw media_error("cannot read the uploaded image");
  image_info out;
  out.format = kind == media_kind::png ? "PNG" : "JPEG";
  auto st = std::make_unique<decode_state>();
  const bool ok = kind == media_kind::png ? decode_png(f.get(), max_pixels, out, *st)
                                          : decode_jpeg(f.get(), max_pixels, out, *st);
  if (!ok)
    throw media_error(std::string(out.format) + " does not decode: " + st->error);
  return out;
}

} // namespace tunemantra::domain
