#pragma once
// The SOCI implementation of cluster_store, sharing the store's connection pool.

#include "persistence/cluster_store.hpp"
#include "persistence/connection_pool.hpp"

namespace tunemantra::persistence {

class soci_cluster_store final : public cluster_store {
public:
  explicit soci_cluster_store(connection_pool& pool) : pool_(pool) {}

  void join(const node_record& me) override;
  heartbeat_answer heartbeat(const node_record& me, domain::millis lease_ms) override;
  std::vector<claimed_job> claim_jobs(const std::string& node, int limit, domain::millis lease_ms) override;
  bool lead(const std::string& node, domain::millis lease_ms) override;
  void leave(const node_record& me) override;
  cluster_view view() override;

private:
  bool postgresql() const { return pool_.url().backend == backend_kind::postgresql; }
  connection_pool& pool_;
};

} // namespace tunemantra::persistence
