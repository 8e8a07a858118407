#pragma once
// The ddex-folder connector (blocking file I/O: call it through the executor).
//
// A delivery is written as one batch, following the DDEX ERN choreography for file transfer:
//
//   <path>/<BatchId>/<UPC>/<UPC>.xml                  the ERN 4.3 NewReleaseMessage
//   <path>/<BatchId>/<UPC>/resources/<UPC>_01_<NNN>.<wav|flac>, <UPC>_cover.<jpg|png>
//   <path>/<BatchId>/BatchComplete_<BatchId>.xml      written last: the batch may be read
//
// The batch is assembled under a hidden name and renamed into place, then the marker is written
// through a temp file and renamed. BatchId is the delivery's MessageId, so a resend after a crash
// rewrites the same batch, and the platform dedupes by MessageId.
//
// Acknowledgements are XML files in the platform's ackPath naming the MessageId and a status
// (see docs/delivery.md); read ones move to ackPath/processed/.

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "domain/delivery.hpp"
#include "domain/ern.hpp"
#include "persistence/store.hpp"

namespace tunemantra::actors {

/// What a delivery sends: the release with its artwork, artist name and tracks with audio.
struct delivery_package {
  domain::release rel;
  std::string artist_name;
  std::vector<domain::track> tracks; ///< by position
};

/// Loads the package of the account's release; throws std::runtime_error (a permanent failure)
/// when the release, its artwork or a track's audio is missing.
delivery_package load_package(persistence::store& store, std::int64_t account, std::int64_t release);

/// The ERN message for a delivery of `pkg` to `p`, with resource paths relative to the release folder.
domain::ern_message make_message(const domain::platform& p, const delivery_package& pkg, const domain::delivery& d,
                                 const config::delivery_config& cfg, domain::millis now);

/// Writes the batch; returns the BatchId. Throws std::runtime_error on I/O failure.
std::string send_ddex_folder(const domain::platform& p, const delivery_package& pkg, const domain::delivery& d,
                             const config::delivery_config& cfg, const std::filesystem::path& media_root);

struct acknowledgement {
  bool readable = false; ///< false: not (yet) well-formed XML, e.g. still being written
  std::string message_id;
  bool accepted = false;
  std::string text; ///< the platform's words (error text on rejection)
  std::filesystem::path file;
};

/// Reads the acknowledgement files in the platform's ackPath (not yet processed).
/// Files that cannot be read are reported with an empty message_id.
std::vector<acknowledgement> read_acknowledgements(const domain::platform& p);
/// Moves a read acknowledgement file to ackPath/processed/.
void archive_acknowledgement(const acknowledgement& a);

/// Reads every ddex-folder platform's acknowledgements and applies them to their deliveries
/// (delivered -> acknowledged or rejected). Returns how many were applied.
int apply_acknowledgements(persistence::store& store);

} // namespace tunemantra::actors
