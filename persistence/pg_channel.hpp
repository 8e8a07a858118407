#pragma once
// Job changes between nodes through PostgreSQL LISTEN/NOTIFY. Each node keeps one connection of
// its own that LISTENs on the `tunemantra_jobs` channel and NOTIFYs what this node changed,
// debounced: the ids changed within one window go out as one notification. Another node's
// notification reaches `on_change` (the store forgets those jobs in its cache and wakes their
// long-polls; the supervisor looks for new work). A lost connection is opened again with a short
// backoff, and `on_change` is then called for everything, since notifications may have been
// missed; polling stays the fallback either way. SOCI has no LISTEN, so this uses libpq itself.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace tunemantra::persistence {

class pg_channel {
public:
  /// What other nodes said: these jobs changed; `all`: any job may have changed; `work`: there
  /// is new work to claim.
  struct news {
    std::set<std::int64_t> jobs;
    bool all = false;
    bool work = false;
  };
  using handler = std::function<void(const news&)>;

  /// `conninfo` is a libpq connection string or URI.
  pg_channel(std::string conninfo, handler on_change, std::chrono::milliseconds debounce = std::chrono::milliseconds(20));
  ~pg_channel();
  pg_channel(const pg_channel&) = delete;
  pg_channel& operator=(const pg_channel&) = delete;

  /// Tells the other nodes (within the debounce window) that the job changed.
  void changed(std::int64_t job);
  /// Tells them that many jobs changed.
  void changed_all();
  /// Tells them that there is new work to claim.
  void new_work();

private:
  void run();
  void wake();
  template <class F>
  void queue(F add);

  std::string conninfo_;
  handler on_change_;
  std::chrono::milliseconds debounce_;
  mutable std::mutex mutex_;
  news pending_;
  std::chrono::steady_clock::time_point first_pending_{};
  bool stopping_ = false;
  int wake_fd_ = -1; ///< eventfd: a first change or the stop wakes the thread from poll()
  std::thread thread_;
};

} // namespace tunemantra::persistence
