#pragma once
// Release validation: every problem that would make a platform reject a release, each with a
// stable code. Pure: the caller gathers the release, its tracks (with audio) and their splits.

#include <string>
#include <string_view>
#include <vector>

#include "domain/catalog.hpp"

namespace tunemantra::domain {

enum class severity { error, warning };
std::string_view to_string(severity s);

struct release_issue {
  std::string code; ///< stable, UPPER_SNAKE (see docs/api.md "Release validation")
  domain::severity severity = severity::error;
  std::string field; ///< `upc`, `artwork`, `tracks[0].audio`, ... (tracks indexed in position order)
  std::string message;
  std::int64_t track_id = 0; ///< the track concerned, 0 for the release
};

struct track_for_check {
  track t;
  std::vector<royalty_split> splits; ///< the recording's; empty when none were set
};

/// The artwork and audio thresholds platforms commonly enforce.
struct release_rules {
  int min_artwork_px = 3000;
  int min_sample_rate = 44100;
  int min_bit_depth = 16;
  std::int64_t min_track_ms = 30'000;
  std::int64_t max_silence_ms = 10'000;
};

/// Every issue, errors first in a stable order. `today` is `YYYY-MM-DD` (UTC).
/// A release is ready when no issue is an error.
std::vector<release_issue> check_release(const release& r, const std::vector<track_for_check>& tracks,
                                         std::string_view today, const release_rules& rules = {});

bool has_errors(const std::vector<release_issue>& issues);

} // namespace tunemantra::domain
