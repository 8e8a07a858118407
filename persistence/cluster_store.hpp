#pragma once
// The cluster's coordination state in the database (docs/scaling.md): the node registry, job
// leases and the leader lease. PostgreSQL is the coordination engine: claims use
// FOR UPDATE SKIP LOCKED, so nodes claiming at once never block on or double-claim a job. SQLite
// takes the same statements behind its single writer (one node).

#include <cstdint>
#include <string>
#include <vector>

#include "domain/time.hpp"
#include "persistence/errors.hpp"

namespace tunemantra::persistence {

/// A node as registered.
struct node_record {
  std::string id;
  std::string host;
  std::string version;
  std::int64_t pid = 0;
  std::string incarnation; ///< random per process start
  domain::millis started_at = 0;
  domain::millis heartbeat_at = 0;
  bool left = false; ///< stopped cleanly
};

/// A job this node just took: run it under (owner, epoch).
struct claimed_job {
  std::int64_t id = 0;
  std::string kind;
  std::int64_t epoch = 0;
};

/// A lease this node still holds after a heartbeat.
struct held_lease {
  std::int64_t job_id = 0;
  std::int64_t epoch = 0;
};

struct heartbeat_answer {
  std::vector<held_lease> held;        ///< every lease the node holds now (renewed)
  std::vector<std::string> live_nodes; ///< nodes with a fresh heartbeat, sorted by id (this one included)
};

/// A job lease as the cluster view shows it.
struct lease_record {
  std::int64_t job_id = 0;
  std::string kind;
  std::string status;
  std::string owner;
  std::int64_t epoch = 0;
  domain::millis expires_at = 0;
};

struct leader_record {
  std::string node; ///< empty: nobody has led yet
  std::int64_t epoch = 0;
  domain::millis acquired_at = 0;
  domain::millis expires_at = 0;
};

struct cluster_view {
  std::vector<node_record> nodes;
  std::vector<lease_record> leases; ///< jobs to run (queued, running, retrying), at most 1000
  leader_record leader;
};

/// Another process registered this node id after us: we must stop running jobs.
class node_replaced : public store_error {
public:
  using store_error::store_error;
};

class cluster_store {
public:
  virtual ~cluster_store() = default;

  /// Registers this node (or registers it again under a new incarnation) and ends the leases its
  /// earlier incarnation held, so its own jobs can be claimed again at once after a restart.
  virtual void join(const node_record& me) = 0;
  /// Renews the node's row and every lease it holds for `lease_ms`. Throws node_replaced when
  /// the row carries another incarnation. Jobs taken over by others or ended are not in `held`.
  virtual heartbeat_answer heartbeat(const node_record& me, domain::millis lease_ms) = 0;
  /// Claims up to `limit` jobs to run (queued, running or retrying; unleased or lease expired),
  /// highest priority then oldest first, each with a new epoch and a lease of `lease_ms`.
  virtual std::vector<claimed_job> claim_jobs(const std::string& node, int limit, domain::millis lease_ms) = 0;
  /// Takes or renews the leader lease; true when this node leads until now + lease_ms.
  virtual bool lead(const std::string& node, domain::millis lease_ms) = 0;
  /// A clean stop: the node's leases (and leadership) end now and its row says it left.
  virtual void leave(const node_record& me) = 0;
  /// Nodes, leases and leader, for GET /api/cluster.
  virtual cluster_view view() = 0;
};

} // namespace tunemantra::persistence
