#pragma once
// The root supervisor (OTP style, built on monitor + down handler since CAF 0.17 has none):
// one actor per active job; a crashed actor is restarted after an exponential backoff, and a job
// whose actor crashes more than max_restarts times within restart_period_ms is marked failed.
// It polls the store for new, due and orphaned jobs, which also re-adopts every non-terminal job
// when the daemon starts.

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
    bool retiring = false; ///< being marked failed: never adopted again, forgotten once recorded
  };

  job_context ctx;
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
  /// Starts one poll of the store on the executor unless one is running.
  void poll(supervisor_actor::stateful_pointer<supervisor_state> self);
  std::int64_t live() const;
};

supervisor_actor::behavior_type supervisor(supervisor_actor::stateful_pointer<supervisor_state> self,
                                           job_context ctx);

} // namespace tunemantra::actors
