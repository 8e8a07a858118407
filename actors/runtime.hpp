#pragma once
// The job runtime: the CAF actor system, the store executor and the root supervisor, started and
// stopped as one. The daemon owns one; tests start their own against a real store.

#include <chrono>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/context.hpp"
#include "actors/platform_gate.hpp"
#include "actors/sends_in_flight.hpp"
#include "actors/interfaces.hpp"

namespace tunemantra::actors {

class job_runtime {
public:
  /// Registers this node (cluster_store::join) and starts the actor system and the supervisor,
  /// which claims the jobs to run at once. Throws the store's errors when it cannot register.
  job_runtime(const config::config& cfg, persistence::store& store);
  ~job_runtime();
  job_runtime(const job_runtime&) = delete;
  job_runtime& operator=(const job_runtime&) = delete;

  caf::actor_system& system() { return *system_; }
  supervisor_actor supervisor() const { return supervisor_; }
  const persistence::node_record& node() const { return node_; }
  const runtime_stats& stats() const { return stats_; }
  const platform_gate& gate() const { return gate_; }
  const persistence::group_commit& commits() const { return commits_; }

  /// True when the supervisor answers within `timeout` (systemd watchdog, /readyz).
  bool ping(std::chrono::milliseconds timeout);
  /// Asks the supervisor to look for new work now (after a job was created).
  void nudge();
  /// Stops the job's actor as if it crashed, so the supervisor restarts it from the store (a
  /// stuck job; crash-safety tests). False when no actor of this node runs the job.
  bool kick(std::int64_t job_id);
  /// Orderly stop: job actors end (their in-flight store writes finish), then the executor
  /// drains and the node leaves the cluster (its leases end now, for another node to take).
  /// Returns false when `grace` ran out first.
  bool stop(std::chrono::milliseconds grace);

private:
  persistence::store& store_;
  persistence::node_record node_;
  caf::actor_system_config caf_cfg_;
  std::unique_ptr<caf::actor_system> system_;
  persistence::executor executor_;
  persistence::executor sender_; ///< connector sends
  persistence::executor renewals_; ///< the cluster heartbeat, on a thread of its own
  std::unique_ptr<persistence::platform_slots> slots_; ///< cluster-wide send slots (PostgreSQL)
  platform_gate gate_;
  sends_in_flight in_flight_;
  persistence::group_commit commits_; ///< delivery transitions (outlives the sends that use it)
  runtime_stats stats_;
  supervisor_actor supervisor_;
  bool stopped_ = false;
};

} // namespace tunemantra::actors
