#pragma once
// The catalog: artists and releases (tracks and recordings follow). Plain types and the rules
// for what a client may send; no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/auth.hpp"
#include "domain/job.hpp"
#include "domain/media.hpp"

namespace tunemantra::domain {

struct artist {
  std::int64_t id = 0;
  std::int64_t account_id = 0;
  std::string name;
  std::string isni;       ///< 16 characters, empty when unknown
  std::string spotify_id; ///< platform artist ids, empty when unknown
  std::string apple_id;
  millis created_at = 0;
  millis updated_at = 0;
};

enum class release_type { single, ep, album };
enum class release_status { draft, ready, distributed, taken_down };

std::string_view to_string(release_type t);
std::optional<release_type> parse_release_type(std::string_view text);
std::string_view to_string(release_status s);
std::optional<release_status> parse_release_status(std::string_view text);

/// DDEX ParentalWarningType values.
bool is_parental_warning(std::string_view value);

struct release {
  std::int64_t id = 0;
  std::int64_t account_id = 0;
  std::int64_t artist_id = 0;
  std::string title;
  release_type type = release_type::single;
  std::string upc;                    ///< UPC/EAN/GTIN-14 as digits; assigned when not given
  std::string release_date;           ///< YYYY-MM-DD
  std::string original_release_date;  ///< YYYY-MM-DD or empty
  std::string label_name, genre, p_line, c_line;
  std::string parental_warning = "NotExplicit";
  std::vector<std::string> territories{"Worldwide"};
  release_status status = release_status::draft;
  std::optional<image_info> artwork; ///< the front cover, once uploaded
  millis created_at = 0;
  millis updated_at = 0;
};

/// A contributor to a track: a name, a DDEX role and optionally one of the account's artists.
struct contributor {
  std::string name;
  std::string role;
  std::optional<std::int64_t> artist_id;
};

/// DDEX contributor roles accepted for tracks (MainArtist, FeaturedArtist, Composer, ...).
bool is_contributor_role(std::string_view role);

struct track {
  std::int64_t id = 0;
  std::int64_t account_id = 0;
  std::int64_t release_id = 0;
  std::int64_t recording_id = 0;
  std::string isrc; ///< the recording's
  std::string title;
  int position = 1;
  bool explicit_content = false;
  std::vector<contributor> contributors;
  std::optional<audio_info> audio; ///< the recording's audio, once uploaded
  millis created_at = 0;
  millis updated_at = 0;
};

/// One payee's share of a recording's royalties: one of the platform's users or a named outside
/// payee, in basis points (10000 = 100 %).
struct royalty_split {
  std::optional<std::int64_t> payee_user_id;
  std::string payee_name;
  int share_bps = 0;
};

inline constexpr int full_share_bps = 10000;

/// The problem with a split list, if any: every share 1..10000, exactly one payee per entry,
/// no payee twice, at most 100 entries, total exactly 10000.
std::optional<std::string> check_splits(const std::vector<royalty_split>& splits);

/// Contributors as stored: `[{"name", "role", "artistId"?}]`. Malformed text reads as none.
std::string contributors_to_json(const std::vector<contributor>& list);
std::vector<contributor> contributors_from_json(std::string_view text);

struct catalog_filter {
  std::optional<std::string> search;
  std::optional<std::int64_t> artist_id;
  std::optional<release_status> status;
  int page = 1;
  int limit = 20;
};

/// A calendar date `YYYY-MM-DD` that exists; nullopt otherwise.
bool is_calendar_date(std::string_view text);
/// ISNI: 16 characters, digits with a final digit or X (ISO 27729 check character).
std::optional<std::string> check_isni(std::string_view text);
/// A territory list: ["Worldwide"] or ISO 3166-1 alpha-2 codes; the problem, if any.
std::optional<std::string> check_territories(const std::vector<std::string>& territories);

} // namespace tunemantra::domain
