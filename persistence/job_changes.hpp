#pragma once
// Who is waiting for which job to change, and the push that wakes them. The store calls changed()
// after every committed write to a job row; HTTP long-polls (GET /api/jobs/{id}?waitSeconds=N)
// hold a watch and sleep until their job changes or their time is up, so a waiting client hears of
// a change at once and the database is read only when something happened. At most `max_watches`
// watches exist at a time: each holds an HTTP worker, and ordinary requests must keep theirs.
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace tunemantra::persistence {

class job_changes {
public:
  using clock = std::chrono::steady_clock;

  explicit job_changes(std::size_t max_watches = 16) : max_watches_(max_watches) {}
  job_changes(const job_changes&) = delete;
  job_changes& operator=(const job_changes&) = delete;

  /// A registration for one job's next change; take it before reading the job, so a change
  /// that lands between the read and the wait is not missed.
  class watch {
  public:
    watch(watch&& other) noexcept : hub_(other.hub_), job_(other.job_), seen_(other.seen_) { other.hub_ = nullptr; }
    watch& operator=(watch&&) = delete;
    ~watch();
    /// Sleeps until the job changed after the watch began, or `until`; true when it changed.
    bool wait_until(clock::time_point until);

  private:
    friend class job_changes;
    watch(job_changes* hub, std::int64_t job, std::uint64_t seen) : hub_(hub), job_(job), seen_(seen) {}
    job_changes* hub_;
    std::int64_t job_;
    std::uint64_t seen_;
  };

  /// A watch on the job; nullopt when max_watches are taken (answer 503, try later).
  std::optional<watch> try_watch(std::int64_t job);

  /// The job's row changed (committed).
  void changed(std::int64_t job);
  /// Many jobs changed at once (e.g. scheduled ones became due): every watcher looks again.
  void changed_all();

  void set_max_watches(std::size_t n);
  std::size_t watching() const;

private:
  struct entry {
    std::uint64_t generation = 0;
    std::size_t watchers = 0;
  };
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::unordered_map<std::int64_t, entry> jobs_;
  std::size_t max_watches_;
  std::size_t watches_ = 0;
  std::uint64_t epoch_ = 0; ///< bumped by changed_all
};

} // namespace tunemantra::persistence
