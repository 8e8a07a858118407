#pragma once
// The store: everything tunemantrad keeps, behind one interface. soci_store.cpp implements it
// for SQLite and PostgreSQL; tests/persistence/store_conformance_test.cpp runs one suite on both.
// Every method blocks: call it from an HTTP thread or through persistence::executor, never on a
// CAF scheduler thread. Failures throw the errors in persistence/errors.hpp.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "domain/job.hpp"
#include "persistence/account_store.hpp"
#include "persistence/catalog_store.hpp"
#include "persistence/cluster_store.hpp"
#include "persistence/database_url.hpp"
#include "persistence/delivery_store.hpp"
#include "persistence/job_changes.hpp"
#include "persistence/royalty_store.hpp"
#include "persistence/sales_store.hpp"

namespace tunemantra::persistence {

/// Pool figures for /metrics.
struct pool_stats {
  std::size_t size = 0;
  std::size_t in_use = 0;
  std::uint64_t timeouts = 0;
};

class store {
public:
  virtual ~store() = default;

  virtual backend_kind backend() const = 0;
  virtual pool_stats stats() const = 0;

  /// Round trip to the database; throws store_unavailable when it does not answer.
  virtual void ping() = 0;
  /// Applies pending migrations; returns how many ran. Throws schema_too_new.
  virtual int migrate() = 0;
  virtual int schema_version() = 0;

  /// Accounts, sessions, API keys, audit, throttling and idempotency records.
  virtual account_store& accounts() = 0;
  /// Artists and releases.
  virtual catalog_store& catalog() = 0;
  /// Platforms and deliveries.
  virtual delivery_store& delivery() = 0;
  /// Sales reports and usage rows.
  virtual sales_store& sales() = 0;
  virtual royalty_store& royalties() = 0;
  /// Nodes, job leases and the leader lease (several nodes on one database).
  virtual cluster_store& cluster() = 0;
  /// Job-change notifications: every committed job row change wakes the long-polls on that job
  /// (on PostgreSQL, those of every node: see persistence/pg_channel.hpp).
  virtual job_changes& changes() = 0;
  /// Tells every node that there is new work to claim (PostgreSQL; nothing on SQLite).
  virtual void announce_work() = 0;
  /// `wake` runs (on another thread) whenever another node announces work or the channel
  /// reconnected; the job runtime polls for work then. PostgreSQL only.
  virtual void on_work(std::function<void()> wake) = 0;

  // --- jobs -----------------------------------------------------------------------------------
  /// Inserts a job (`queued`, or `scheduled` when it has a time) and its `created` event.
  virtual domain::job create_job(const domain::new_job& job) = 0;
  /// The job, if it exists and (when `account` is set) belongs to that account.
  virtual std::optional<domain::job> find_job(std::int64_t id, std::optional<std::int64_t> account = {}) = 0;
  /// find_job for pollers: answered from memory when this store read the job less than a second
  /// ago and has not written it since (a write through this store is seen at once; one by another
  /// process within the second). For GET /api/jobs/{id}, where most polls find nothing new.
  virtual std::optional<domain::job> recent_job(std::int64_t id, std::optional<std::int64_t> account = {}) = 0;
  virtual domain::page<domain::job> list_jobs(const domain::job_filter& filter) = 0;
  /// Every job not yet in a terminal status, oldest first (what the daemon re-adopts on start).
  virtual std::vector<domain::job> active_jobs() = 0;
  /// Applies a status change and records a `status` event in one transaction; bumps row_version.
  /// nullopt when the job does not exist; throws invalid_transition when the change is not allowed.
  virtual std::optional<domain::job> update_job(std::int64_t id, const domain::job_update& update) = 0;

  /// What retry_job put back to work.
  struct retried {
    domain::job job;
    std::int64_t deliveries = 0; ///< failed deliveries made pending again (attempts from zero)
    std::int64_t releases = 0;   ///< refused bulk releases to be checked again
  };
  /// Re-runs a `failed` or `partially_failed` job's failures only: its failed deliveries go back
  /// to pending under their MessageIds, refused bulk releases back to pending, and the job to
  /// `queued`, with a `retry` event, in one transaction. nullopt when the job does not exist;
  /// throws invalid_transition for any other status.
  virtual std::optional<retried> retry_job(std::int64_t id) = 0;

  /// Moves `scheduled` jobs whose time has come to `queued`; returns how many.
  virtual int release_due_jobs(domain::millis now) = 0;
  /// Deletes finished jobs (terminal, finished before `finished_before`) with their events, in
  /// batches; deliveries keep their history without the job link. Returns how many jobs went.
  virtual int prune_jobs(domain::millis finished_before) = 0;
  /// Number of jobs per kind and status (for /metrics).
  virtual std::vector<domain::job_count> job_counts() = 0;

  /// The diagnostic `sleep` job: records step `step` of `total` and the job's progress in one
  /// transaction, only while the job is `running`. False (and nothing written) otherwise.
  /// A step recorded twice violates the primary key and throws.
  virtual bool record_sleep_step(std::int64_t job_id, int step, int total) = 0;
  /// The steps recorded for a sleep job, in order.
  virtual std::vector<int> sleep_steps(std::int64_t job_id) = 0;

  // --- job events -----------------------------------------------------------------------------
  virtual domain::job_event append_event(std::int64_t job_id, const std::string& type, const std::string& message,
                                         const std::string& data = "null") = 0;
  /// Events of a job with id > after_id, oldest first, at most `limit`.
  virtual std::vector<domain::job_event> list_events(std::int64_t job_id, std::int64_t after_id = 0,
                                                     int limit = 100) = 0;
};

/// Opens the store the URL names (creating a SQLite file's folder when missing).
/// Throws store_unavailable when the database cannot be reached, std::invalid_argument on a bad URL.
std::unique_ptr<store> open_store(const config::database_config& cfg);

} // namespace tunemantra::persistence
