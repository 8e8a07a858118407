#pragma once
// Job leases and write fencing. A node runs a job only while it holds the job's lease: the row's
// (lease_owner, lease_epoch) pair, renewed by the node's heartbeat. Every write a job actor makes
// carries that pair (a thread-local set around each task of the job) and is refused inside its own
// transaction when the job's row names another owner or a newer epoch: a node that was paused or
// cut off past its lease and then wakes up can no longer change a job another node took over.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "persistence/errors.hpp"

namespace soci {
class session;
}

namespace tunemantra::persistence {

/// The lease a node holds on a job.
struct job_lease {
  std::int64_t job_id = 0;
  std::string owner;
  std::int64_t epoch = 0;
};

/// A write under a lease that is no longer held: refused and rolled back.
class lease_lost : public store_error {
public:
  using store_error::store_error;
};

/// The lease the current thread's writes are fenced by; nullptr outside a job's task.
const job_lease* current_lease();

/// Sets the current thread's lease for its lifetime (nothing when `lease` is empty), restoring
/// the previous one after.
class fenced_scope {
public:
  explicit fenced_scope(const std::optional<job_lease>& lease);
  ~fenced_scope();
  fenced_scope(const fenced_scope&) = delete;
  fenced_scope& operator=(const fenced_scope&) = delete;

private:
  const job_lease* previous_;
  std::optional<job_lease> mine_;
};

/// Inside a write transaction: throws lease_lost unless the job's row still names the lease's
/// owner and epoch. On PostgreSQL the row stays key-share locked until the transaction ends, so a
/// takeover (a FOR UPDATE claim) cannot slip in between the check and the commit.
void check_lease(soci::session& s, bool postgresql, const job_lease& lease);
/// The check itself, on a job row the caller has read and locked in its transaction (`found`
/// false: the job is gone): throws lease_lost unless it names the lease's owner and epoch.
void require_lease(const job_lease& lease, bool found, const std::string& owner, std::int64_t epoch);
/// check_lease for several jobs' leases; on PostgreSQL in one statement.
void check_leases(soci::session& s, bool postgresql, const std::vector<job_lease>& leases);

} // namespace tunemantra::persistence
