#pragma once
// The SOCI implementation of cluster_store. Claims, joins and views share the store's connection
// pool; lease renewal (heartbeat, lead) may have a pool of its own, so that a pool busy with work
// never makes a node miss its renewals and lose every job it holds.

#include "persistence/cluster_store.hpp"
#include "persistence/connection_pool.hpp"

namespace tunemantra::persistence {

class soci_cluster_store final : public cluster_store {
public:
  /// `renewals`: where heartbeat() and lead() run (may be `pool` itself).
  soci_cluster_store(connection_pool& pool, connection_pool& renewals) : pool_(pool), renewals_(renewals) {}

  void join(const node_record& me) override;
  heartbeat_answer heartbeat(const node_record& me, domain::millis lease_ms) override;
  std::vector<claimed_job> claim_jobs(const std::string& node, int limit, domain::millis lease_ms) override;
  bool lead(const std::string& node, domain::millis lease_ms) override;
  void leave(const node_record& me) override;
  cluster_view view() override;

private:
  bool postgresql() const { return pool_.url().backend == backend_kind::postgresql; }
  connection_pool& pool_;
  connection_pool& renewals_;
};

} // namespace tunemantra::persistence
