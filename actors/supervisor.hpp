#pragma once
// The root supervisor (OTP style, built on monitor + down handler since CAF 0.17 has none):
// one actor per active job; a crashed actor is restarted after an exponential backoff, and a job
// whose actor crashes more than max_restarts times within restart_period_ms is marked failed.
// It claims jobs to run from the store in batches (each under a lease with a new epoch, see
// persistence/cluster_store.hpp), which also re-adopts this node's jobs when the daemon starts
// and takes over the jobs of nodes whose leases expired. A heartbeat renews the node's row and
// leases; a job whose lease went elsewhere has its actor stopped, never restarted. The node
// holding the leader lease also fires scheduled jobs, prunes old records and reads acknowledgements.

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <caf/typed_response_promise.hpp>

#include "actors/context.hpp"
#include "actors/interfaces.hpp"

namespace tunemantra::actors {

/// The restart delay before restart number `n` (1-based) within the period: base * 2^(n-1), capped.
std::chrono::milliseconds restart_backoff(const config::jobs_config& cfg, int n);

struct supervisor_state {
  static inline constexpr const char* name = "supervisor";
  using clock = std::chrono::steady_clock;

  struct entry {
    std::string kind;
    job_actor actor;                 ///< invalid while waiting for a restart
    std::deque<clock::time_point> restarts; ///< recent restarts, for the intensity limit
    std::string last_error;
    clock::time_point crashed_at;    ///< when the last crash was seen
    /// Crashes in a row because the store could not be reached (or an operator's kick): restarted
    /// with the backoff, never counted against jobs.max_restarts, so an outage fails no job.
    int waits = 0;
    bool counted = true; ///< the pending restart counts against jobs.max_restarts
    bool retiring = false; ///< being marked failed: never adopted again, forgotten once recorded
    std::int64_t epoch = 0;       ///< the lease epoch this node holds the job under
    std::int64_t actor_epoch = 0; ///< the epoch the running actor was started with
  };

  job_context ctx;
  persistence::node_record node;   ///< this node as registered
  config::cluster_config cluster;
  bool leader = false;             ///< holds the leader lease (since the last heartbeat)
  bool replaced = false;           ///< another process took this node's id: claim nothing more
  bool beating = false;            ///< a heartbeat runs on the renewals thread
  domain::millis renewed_at = 0;   ///< when the last heartbeat that succeeded began
  std::unordered_map<std::int64_t, entry> jobs;      ///< every job this node owns right now
  std::unordered_map<caf::actor_addr, std::int64_t> by_actor;
  bool polling = false;
  clock::time_point last_housekeeping{}; ///< when expired records were last pruned
  clock::time_point last_acks{};         ///< when acknowledgement folders were last read
  bool shutting_down = false;
  caf::typed_response_promise<bool> shutdown_promise;

  /// Spawns the job's actor (the kind decides the behaviour); false for an unknown kind.
  bool spawn_job(supervisor_actor::stateful_pointer<supervisor_state> self, std::int64_t id);
  /// Handles a job actor's end: normal, cancelled, or a crash to restart or give up on.
  void on_down(supervisor_actor::stateful_pointer<supervisor_state> self, const caf::down_msg& msg);
  /// Records the crash and restarts the job after `delay`.
  void restart_later(supervisor_actor::stateful_pointer<supervisor_state> self, std::int64_t id, const entry& e,
                     std::chrono::milliseconds delay);
  /// Starts one poll of the store on the executor unless one is running.
  void poll(supervisor_actor::stateful_pointer<supervisor_state> self);
  /// Starts one heartbeat on the executor unless one is running.
  void beat(supervisor_actor::stateful_pointer<supervisor_state> self);
  /// The job's lease as its actor's writes carry it.
  persistence::job_lease lease_of(std::int64_t id) const;
  std::int64_t live() const;
};

/// The supervisor of node `node` (registered already, see cluster_store::join).
supervisor_actor::behavior_type supervisor(supervisor_actor::stateful_pointer<supervisor_state> self,
                                           job_context ctx, persistence::node_record node,
                                           config::cluster_config cluster);

} // namespace tunemantra::actors
