#pragma once
// Seeds a store directly with what a distribution needs, for tests and benchmarks that drive a
// real daemon with many deliveries: a label account with an artist, platforms, and releases that
// pass validation (artwork, one track with audio). The media rows point at `audio_sha256` /
// `artwork_sha256` files under the media dir; the http connector sends only their hashes, the
// ddex-folder connector needs the files to exist.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "domain/catalog.hpp"
#include "domain/delivery.hpp"
#include "persistence/store.hpp"

namespace tunemantra::test {

struct seeded_account {
  std::int64_t user_id = 0;
  std::int64_t artist_id = 0;
};

struct seeded_media {
  std::string audio_sha256 = std::string(64, 'b');
  std::string artwork_sha256 = std::string(64, 'a');
  std::int64_t artwork_bytes = 1;
};

/// Writes real media into `media_dir` as the daemon stores it (audio/<sha>.wav, artwork/<sha>.jpg):
/// a 31 s 16-bit stereo tone (5.5 MB) and a 3000x3000 JPEG. For sends that move real bytes.
seeded_media write_real_media(const std::filesystem::path& media_dir);

/// A label user "label@example.com" with one artist.
seeded_account seed_account(persistence::store& store);

/// An http platform (code `code`) sending to `url`.
domain::platform http_platform(const std::string& code, const std::string& url);

/// A release ready to distribute (future date, genre, lines, artwork, one 3-minute track with audio).
std::int64_t seed_ready_release(persistence::store& store, const seeded_account& account, const std::string& title,
                                const seeded_media& media = {});

/// Creates one distribution job per release to every platform, as the distribution endpoint does;
/// returns the job ids.
std::vector<std::int64_t> seed_distributions(persistence::store& store, const seeded_account& account,
                                             const std::vector<std::int64_t>& releases,
                                             const std::vector<std::int64_t>& platforms);

} // namespace tunemantra::test
