#pragma once
// The connector sends running on this node's sender pool, by delivery. It belongs to the runtime,
// not to a job actor: when a job's actor crashes and is restarted while one of its sends still
// runs, the new actor must not send that delivery a second time; it adopts the running send
// instead and is the one told when it ends. Thread-safe.

#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "actors/interfaces.hpp"

namespace tunemantra::actors {

class sends_in_flight {
public:
  /// Registers a send of the job's delivery; false when one is already running.
  bool claim(std::int64_t delivery, std::int64_t job, const job_actor& owner);
  /// True when a send of the delivery is running; `owner` is then the actor told when it ends.
  bool adopt(std::int64_t delivery, const job_actor& owner);

  struct ended {
    job_actor owner;           ///< the job's actor now
    std::size_t left_in_job{}; ///< sends of the same job still running
  };
  /// The send of the delivery ended.
  ended finish(std::int64_t delivery);

  std::size_t size() const;

private:
  struct send {
    std::int64_t job = 0;
    job_actor owner;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::int64_t, send> sends_;
  std::unordered_map<std::int64_t, std::size_t> per_job_;
};

} // namespace tunemantra::actors
