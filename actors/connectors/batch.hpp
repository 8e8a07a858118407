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

/// The batch of one delivery (its batch_id set). Throws permanent_failure when a media file is gone.
batch_plan plan_batch(const ddex_settings& s, const send_request& r);

/// A new BatchId: the current time, strictly later than the last one this process gave.
std::string next_batch_id();

} // namespace tunemantra::actors
