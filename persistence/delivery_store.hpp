#pragma once
// Platforms and deliveries. A distribution (or takedown, or redelivery) is one job plus one
// delivery per platform, created in one transaction; every delivery status change is a
// compare-and-set from the statuses the caller expects and writes a job event with it.

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "domain/delivery.hpp"
#include "persistence/lease.hpp"
#include "domain/job.hpp"

namespace tunemantra::persistence {

/// A change to one delivery; unset fields stay as they are.
struct delivery_change {
  domain::delivery_status status = domain::delivery_status::pending;
  bool count_attempt = false;
  std::optional<std::string> last_error = std::nullopt;
  std::optional<std::string> batch_id = std::nullopt;
  std::optional<std::string> ack_text = std::nullopt;
  std::optional<domain::millis> delivered_at = std::nullopt;
  std::optional<domain::millis> acknowledged_at = std::nullopt;
  std::optional<domain::millis> next_attempt_at = std::nullopt;
  std::string event = {}; ///< the job event's message (none when empty or the job is gone)
};

/// One compare-and-set of a batch: `change` applies when the delivery is in one of `from`.
struct delivery_transition {
  std::int64_t delivery_id = 0;
  std::vector<domain::delivery_status> from;
  delivery_change change;
  std::optional<job_lease> fence = std::nullopt; ///< refused (lease_lost) unless this lease is still held
};

/// One release of a bulk distribution.
struct bulk_item {
  int position = 0;
  std::int64_t release_id = 0;
  std::string status; ///< pending, queued or invalid
  std::string reason; ///< why it is invalid
};

/// The outcome of checking one pending bulk item: queue it (empty reason) or refuse it.
struct bulk_check {
  int position = 0;
  std::int64_t release_id = 0;
  std::string reason;
};

/// How many deliveries of a job are in a status, per platform.
struct delivery_count {
  std::int64_t platform_id = 0;
  domain::delivery_status status = domain::delivery_status::pending;
  std::int64_t count = 0;
};

class delivery_store {
public:
  virtual ~delivery_store() = default;

  // --- platforms ------------------------------------------------------------------------------
  /// nullopt when the code is taken.
  virtual std::optional<domain::platform> create_platform(const domain::platform& p) = 0;
  virtual std::optional<domain::platform> find_platform(std::int64_t id) = 0;
  virtual std::vector<domain::platform> list_platforms() = 0;
  /// The platforms as read at most `platform_cache_ms` ago: what a sending job looks at on every
  /// pass. This store empties the cache when it writes a platform, so a change through this node
  /// counts at once; one made through another node within that time.
  virtual std::vector<domain::platform> cached_platforms() = 0;
  static constexpr int platform_cache_ms = 500;
  /// Writes name, enabled, limits and connector; nullopt when it does not exist.
  virtual std::optional<domain::platform> update_platform(const domain::platform& p) = 0;

  // --- deliveries -----------------------------------------------------------------------------
  /// Creates the job and one delivery per platform (status `scheduled` when the job has a time,
  /// `takedown_pending` for a takedown, else `pending`) in one transaction.
  virtual domain::job create_deliveries(const domain::new_job& job, std::int64_t account, std::int64_t release,
                                        const std::vector<std::int64_t>& platforms, domain::ern_action action) = 0;
  virtual std::optional<domain::delivery> find_delivery(std::int64_t id) = 0;
  virtual std::optional<domain::delivery> find_delivery_by_message(const std::string& message_id) = 0;
  virtual std::vector<domain::delivery> deliveries_of_job(std::int64_t job_id) = 0;
  /// The deliveries to the platform of any release with this UPC that were sent (batch given or
  /// delivered), newest first, at most 50: where a platform's acknowledgement may belong.
  virtual std::vector<domain::delivery> sent_deliveries_of_upc(std::int64_t platform_id, const std::string& upc) = 0;
  /// The newest delivery of the account's release per platform.
  virtual std::vector<domain::delivery> latest_deliveries(std::int64_t account, std::int64_t release) = 0;
  /// Applies `change` when the delivery is in one of `from`; false (nothing written) otherwise.
  virtual bool transition(std::int64_t delivery_id, const std::vector<domain::delivery_status>& from,
                          const delivery_change& change) = 0;
  /// Applies every transition in one transaction (group commit); element i of the answer says
  /// whether transition i applied. A database error rolls back all of them.
  virtual std::vector<bool> transition_all(const std::vector<delivery_transition>& batch) = 0;
  /// Cancels every unsettled delivery of the job; how many.
  virtual int cancel_deliveries(std::int64_t job_id) = 0;

  /// The job's unsettled deliveries, at most `per_platform` of each platform, due ones first.
  virtual std::vector<domain::delivery> open_deliveries(std::int64_t job_id, int per_platform) = 0;
  /// The job's deliveries counted by platform and status.
  virtual std::vector<delivery_count> delivery_counts(std::int64_t job_id) = 0;
  /// The job's failed deliveries, oldest first, at most `limit`.
  virtual std::vector<domain::delivery> failed_deliveries(std::int64_t job_id, int limit) = 0;

  // --- bulk distributions ---------------------------------------------------------------------
  /// Creates the bulk job and one pending item per release, in order, in one transaction.
  virtual domain::job create_bulk(const domain::new_job& job, const std::vector<std::int64_t>& releases) = 0;
  /// The first `limit` pending items of the job.
  virtual std::vector<bulk_item> pending_bulk_items(std::int64_t job_id, int limit) = 0;
  /// Records checked items in one transaction: an accepted one gets one delivery per platform
  /// under the bulk job (`scheduled` when the job has a time, else `pending`) and becomes
  /// `queued`; a refused one becomes `invalid` with its reason. Items no longer pending are left
  /// alone. Returns the deliveries created.
  virtual int settle_bulk_items(std::int64_t job_id, std::int64_t account, const std::vector<bulk_check>& checked,
                                const std::vector<std::int64_t>& platforms, std::optional<domain::millis> scheduled_at) = 0;
  /// Items by status: {pending, queued, invalid}.
  virtual std::array<std::int64_t, 3> count_bulk_items(std::int64_t job_id) = 0;
  /// The invalid items, in order, at most `limit`.
  virtual std::vector<bulk_item> invalid_bulk_items(std::int64_t job_id, int limit) = 0;
  /// Marks `distributed` every release the job delivered somewhere; how many changed.
  virtual int mark_releases_distributed(std::int64_t job_id) = 0;
};

} // namespace tunemantra::persistence
