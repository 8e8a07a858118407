#pragma once
// What a delivery sends: the release, its artist, its tracks with audio, and the ERN message made
// of them. Shared by every connector.

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "domain/delivery.hpp"
#include "domain/ern.hpp"
#include "persistence/store.hpp"

namespace tunemantra::actors {

struct delivery_package {
  domain::release rel;
  std::string artist_name;
  std::vector<domain::track> tracks; ///< by position
};

/// Loads the package of the account's release; throws permanent_failure when the release, its
/// artwork or a track's audio is missing.
delivery_package load_package(persistence::store& store, std::int64_t account, std::int64_t release);

/// Where the choreography puts a track's audio and the cover, relative to the release folder:
/// resources/<UPC>_01_<NNN>.<ext> and resources/<UPC>_cover.<ext>.
std::string track_file(const delivery_package& pkg, const domain::track& t);
std::string artwork_file(const delivery_package& pkg);

/// The ERN 4.3 message of a delivery of `pkg` to `recipient` with `deals` (empty: default_deals()).
domain::ern_message make_message(const domain::ern_party& recipient, const std::vector<domain::ern_deal>& deals,
                                 const delivery_package& pkg, const domain::delivery& d,
                                 const config::delivery_config& cfg, domain::millis now);

} // namespace tunemantra::actors
