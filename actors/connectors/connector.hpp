#pragma once
// The connector interface: how deliveries reach a platform. Each connector type lives in its own
// file under actors/connectors/ and is listed once in registry.cpp; routes, the supervisor, the
// OpenAPI document and tmctl (through GET /api/connector-types) learn the types from the registry.
//
// Connectors block (file and network I/O): call them through an executor, never on a CAF thread.

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/connectors/package.hpp"
#include "config/config.hpp"
#include "domain/delivery.hpp"

namespace tunemantra::actors {

/// A setting an API user gave that the connector refuses: `field` is its path under connector.
/// A retry found its batch completed by an earlier send that did not carry this delivery (the
/// batch closed without it): the delivery goes again in a new batch.
struct batch_closed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct invalid_settings : std::runtime_error {
  invalid_settings(std::string field_, const std::string& message)
      : std::runtime_error(message), field(std::move(field_)) {}
  std::string field;
};

/// One delivery to send, with everything the connector may need.
struct send_request {
  const domain::platform& platform;
  const delivery_package& package;
  const domain::delivery& delivery; ///< its batch_id is set before the send when the connector uses batches
  const config::delivery_config& config;
  const std::filesystem::path& media_root;
};

/// An acknowledgement file in a platform's ack folder, not yet settled.
struct ack_file {
  std::string name; ///< the file's name in the ack folder
  std::string bytes;
  std::int64_t age_ms = 0; ///< since it was last modified (a young unreadable file may still be being written)
};

class connector {
public:
  virtual ~connector() = default;
  /// The type API users name: ddex-folder, sftp, http.
  virtual std::string_view type() const = 0;
  /// One line for docs and `tmctl platforms types`.
  virtual std::string_view summary() const = 0;
  /// The settings' JSON Schema (OpenAPI 3.0 dialect), "type" included.
  virtual nlohmann::json schema() const = 0;
  /// Checks settings an API user gave and returns them as they are stored (defaults filled in);
  /// throws invalid_settings.
  virtual nlohmann::json check(const nlohmann::json& settings) const = 0;
  /// The stored settings as API users see them: no secrets, only whether they are set.
  virtual nlohmann::json public_view(const nlohmann::json& settings) const = 0;
  /// Whether a delivery gets its BatchId before its first send (kept across retries).
  virtual bool uses_batches() const { return false; }
  /// How many releases one batch may carry (a bulk job's deliveries to the platform share one).
  virtual int releases_per_batch(const nlohmann::json& /*settings*/) const { return 1; }
  /// Sends deliveries of one batch (same BatchId, at most releases_per_batch) as one: all or none.
  /// The default sends a batch of one.
  virtual std::string send_batch(std::span<const send_request> requests) const;
  /// Sends one delivery; returns its batch id or the platform's receipt. Throws permanent_failure
  /// when sending again cannot help, std::runtime_error when it may.
  virtual std::string send(const send_request& request) const = 0;
  /// The acknowledgement files waiting for this platform (none for connectors without acks).
  virtual std::vector<ack_file> fetch_acknowledgements(const domain::platform&) const { return {}; }
  /// The file was applied (or given up on): it is not read again.
  virtual void settle_acknowledgement(const domain::platform&, const ack_file&) const {}
};

/// The registered connectors, in the order docs list them.
std::span<const connector* const> connectors();
/// The connector of this type, or nullptr.
const connector* find_connector(std::string_view type);
/// The platform's connector; throws permanent_failure when its type is not registered.
const connector& connector_of(const domain::platform& p);
/// The platform's stored settings as JSON (an empty object when they do not parse).
nlohmann::json settings_of(const domain::platform& p);

} // namespace tunemantra::actors
