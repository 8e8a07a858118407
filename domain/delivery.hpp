#pragma once
// Platforms and deliveries: where releases go and how far each one got. Plain types and rules.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/ern.hpp"
#include "domain/job.hpp"

namespace tunemantra::domain {

/// How a platform receives deliveries: the connector's type and its settings as stored, a JSON
/// object with secrets (passwords, auth headers) included. Each connector type (actors/connectors/)
/// reads and checks its own settings; the domain knows only that they exist.
struct connector_config {
  std::string type;     ///< a registered connector type: ddex-folder, sftp, http
  std::string settings; ///< the whole JSON object as stored, "type" included
};

/// The connector stored as `text` (its type read from the object; empty when it has none).
connector_config connector_from_stored(std::string text);

struct platform {
  std::int64_t id = 0;
  std::string code; ///< short and unique: spotify, apple-music
  std::string name;
  bool enabled = true; ///< false: paused, its deliveries wait
  int max_concurrency = 4;
  int rate_per_minute = 60;
  int max_attempts = 5;
  connector_config connector;
  millis created_at = 0, updated_at = 0;
};

enum class delivery_status {
  pending, scheduled, delivering, delivered, acknowledged, rejected, failed, cancelled, takedown_pending, taken_down
};
std::string_view to_string(delivery_status s);
std::optional<delivery_status> parse_delivery_status(std::string_view text);
/// Whether the delivery's job has nothing more to do for it.
bool is_settled(delivery_status s);
/// The release counts as on the platform, or on its way there (a new distribution would repeat it).
bool is_live(delivery_status s);
/// What a client may cancel: a delivery not yet sent (waiting, scheduled, or a takedown not yet sent).
const std::vector<delivery_status>& cancellable_statuses();
/// A set of statuses as the store binds it, one parameter: ",pending,scheduled," (a status is in
/// the set when ",<status>," occurs in the text).
std::string status_set_text(const std::vector<delivery_status>& set);

struct delivery {
  std::int64_t id = 0;
  std::int64_t job_id = 0;
  std::int64_t account_id = 0;
  std::int64_t release_id = 0;
  std::int64_t platform_id = 0;
  ern_action action = ern_action::initial;
  delivery_status status = delivery_status::pending;
  int attempts = 0;
  std::string last_error;
  std::string message_id; ///< the DDEX MessageId; also the idempotency key sent to the platform
  std::string batch_id;
  std::string ack_text;   ///< the platform's words on acknowledgement or rejection
  millis next_attempt_at = 0; ///< a retry waits until then
  std::optional<millis> scheduled_at, delivered_at, acknowledged_at;
  millis created_at = 0, updated_at = 0;
};

} // namespace tunemantra::domain
