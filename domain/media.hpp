#pragma once
// Uploaded media: what a file is (by its bytes, not its name or Content-Type) and what it measures.
// Audio is decoded with libsndfile and measured with libebur128 (EBU R 128 / ITU-R BS.1770);
// images are checked structurally (every PNG chunk CRC, the JPEG marker chain up to EOI).

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tunemantra::domain {

enum class media_kind { unknown, wav, flac, png, jpeg };

/// The kind named by a file's first bytes (at least 12 are needed).
media_kind sniff_media(std::string_view head);
std::string_view to_string(media_kind k);
/// The kind a Content-Type names (`audio/wav`, `audio/x-flac`, `image/jpeg`, ...); parameters ignored.
media_kind media_kind_for_content_type(std::string_view content_type);
/// File extension without the dot ("wav", "flac", "png", "jpg").
std::string_view extension(media_kind k);

/// Thrown for a file that is corrupt, truncated or not what its first bytes claim.
struct media_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct audio_info {
  std::string format;          ///< "WAV" or "FLAC"
  int sample_rate = 0;         ///< Hz
  int bit_depth = 0;           ///< bits per sample (32 for float)
  int channels = 0;
  std::int64_t frames = 0;
  std::int64_t duration_ms = 0; ///< measured from the decoded frames
  double loudness_lufs = 0;     ///< integrated loudness; -70 or below for silence
  double true_peak_dbtp = 0;    ///< highest true peak over all channels, dBTP
  std::int64_t clipped_samples = 0; ///< samples in runs of 3+ at full scale
  std::int64_t leading_silence_ms = 0;  ///< below -60 dBFS on every channel
  std::int64_t trailing_silence_ms = 0;
  // Filled by whoever stores the file:
  std::string sha256;
  std::int64_t bytes = 0;
  std::string file; ///< stored file name (content hash + extension)

  bool clipping() const { return clipped_samples > 0; }
};

/// Decodes and measures a WAV or FLAC file. Throws media_error for a corrupt or truncated file.
audio_info analyse_audio(const std::filesystem::path& file, media_kind kind);

struct image_info {
  std::string format;      ///< "PNG" or "JPEG"
  int width = 0, height = 0;
  std::string colour_mode; ///< rgb, rgba, grayscale, grayscale_alpha, indexed, cmyk
  int bit_depth = 8;
  // Filled by whoever stores the file:
  std::string sha256;
  std::int64_t bytes = 0;
  std::string file;
};

/// Reads a PNG or JPEG's size and colour mode and decodes it to its last pixel, a row at a time
/// (memory: one row). Throws media_error for a corrupt or truncated file, or one of more than
/// `max_pixels` pixels (refused from its header, before decoding).
image_info probe_image(const std::filesystem::path& file, media_kind kind, std::uint64_t max_pixels = 100'000'000);

} // namespace tunemantra::domain
