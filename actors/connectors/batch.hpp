#pragma once
// A DDEX batch as the ERN choreography's SFTP batch profile lays it out, planned once and written
// by any file connector (ddex-folder to a local folder, sftp to the platform's server):
//
//   N_<BatchId>/<UPC>/resources/<UPC>_01_<NNN>.<wav|flac>, <UPC>_cover.<jpg|png>   first
//   N_<BatchId>/<UPC>/<UPC>.xml                                                    the ERN message
//   N_<BatchId>/BatchComplete_<BatchId>.xml                                        last: the batch is complete
//
// BatchId is YYYYMMDDhhmmssnnn (UTC), given to a delivery before its first send and kept across
// retries, so a resend completes the same batch and never makes a second one.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/connectors/connector.hpp"
#include "domain/choreography.hpp"

namespace tunemantra::actors {

/// The DDEX part of a file connector's settings.
struct ddex_settings {
  domain::ern_party recipient;
  std::vector<domain::ern_deal> deals; ///< empty: default_deals()
  domain::manifest_kind manifest = domain::manifest_kind::ern_c_sftp_16;
  int releases_per_batch = 1; ///< a bulk job's deliveries to the platform share batches of up to this many
};

/// Reads stored settings (already checked).
ddex_settings read_ddex_settings(const nlohmann::json& stored);
/// Checks the DDEX fields of `in` and copies them, defaults filled in, into `out`; throws invalid_settings.
void check_ddex_settings(const nlohmann::json& in, nlohmann::json& out);
/// The DDEX fields as API users see them.
void show_ddex_settings(const nlohmann::json& stored, nlohmann::json& out);
/// The JSON Schema properties of a file connector of `type`: its type and the DDEX fields.
nlohmann::json ddex_schema_properties(std::string_view type);

struct batch_file {
  std::string path;             ///< relative to the batch folder
  std::filesystem::path source; ///< the local file to send; empty: `bytes`
  std::string bytes;
  std::uintmax_t size = 0;
  std::string sha256; ///< lower-case hex
};

struct batch_plan {
  std::string batch_id;
  std::string folder;            ///< N_<BatchId>
  std::vector<batch_file> files; ///< in sending order: resources, messages, the manifest last
};

/// The batch of deliveries sharing one BatchId (set on each): every release's resources and
/// message, then one manifest listing them all. Throws permanent_failure when a media file is gone.
batch_plan plan_batch(const ddex_settings& s, std::span<const send_request> requests);

/// Whether a manifest already in place completes this very batch: a semaphore does; a
/// ManifestMessage does when it lists every one of `requests`' messages. Throws batch_closed when
/// it lists none of them (a batch closed without them).
bool manifest_completes(const std::string& manifest_text, bool semaphore, std::span<const send_request> requests);

/// releasesPerBatch of the settings (1 when absent).
int releases_per_batch_of(const nlohmann::json& stored);

/// A new BatchId: the current time, strictly later than the last one this process gave.
std::string next_batch_id();

} // namespace tunemantra::actors
