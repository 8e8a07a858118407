#pragma once
// Recently read jobs, kept in memory for a short time (`ttl`) so a client polling a job that has
// not changed costs no database read. The store forgets a job right after every committed write to
// it (where it wakes long-polls), so a write through this process is seen at once; a write by
// another process (tmctl, another node) is seen once the entry is older than `ttl`.
//
// A read that raced with a write must not put the older row back: put() takes the ticket taken
// before the database read and drops the row if anything was forgotten since. Bounded by bytes:
// when full, everything is dropped and the cache fills again. Thread-safe.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "domain/job.hpp"

namespace tunemantra::persistence {

class job_cache {
public:
  using clock = std::chrono::steady_clock;

  explicit job_cache(clock::duration ttl = std::chrono::seconds(1), std::size_t max_bytes = 32u << 20)
    : ttl_(ttl), max_bytes_(max_bytes) {}

  /// Take before reading the job from the database; hand to put().
  std::uint64_t ticket() const;
  std::optional<domain::job> get(std::int64_t id) const;
  /// Keeps the job unless a forget happened after `ticket` (then the row may be older than the database's).
  void put(std::uint64_t ticket, const domain::job& j);
  void forget(std::int64_t id);
  void forget_all();

private:
  static std::size_t bytes_of(const domain::job& j);

  mutable std::mutex mutex_;
  struct entry {
    domain::job job;
    clock::time_point until;
  };
  std::unordered_map<std::int64_t, entry> jobs_;
  std::uint64_t generation_ = 0; ///< bumped by every forget
  std::size_t bytes_ = 0;
  clock::duration ttl_;
  std::size_t max_bytes_;
};

} // namespace tunemantra::persistence
