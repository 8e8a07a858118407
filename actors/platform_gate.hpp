#pragma once
// Per-platform send limits: at most `maxConcurrency` sends in flight and at most `ratePerMinute`
// sends started per minute (a token bucket holding one second's worth, at least one). Every
// distribution job asks the gate before sending, so one slow or strict platform holds only its
// own deliveries; the others go on. With several nodes (PostgreSQL) the limits hold for the whole
// cluster: each send also holds one of the platform's cluster-wide slots (persistence/
// platform_slots.hpp), and each node starts its share of the rate (divided by the live nodes).
// The slots are taken even by a node that believes it is alone: another may have joined since its
// last heartbeat (starting together, the limit test saw twice the limit when alone nodes skipped them).
// Thread-safe.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "domain/delivery.hpp"
#include "persistence/platform_slots.hpp"

namespace tunemantra::actors {

class platform_gate {
public:
  using clock = std::chrono::steady_clock;

  /// A send slot; given back when destroyed.
  class slot {
  public:
    slot() = default;
    slot(platform_gate* gate, std::int64_t platform, int shared = -1) : gate_(gate), platform_(platform), shared_(shared) {}
    slot(slot&& other) noexcept : gate_(other.gate_), platform_(other.platform_), shared_(other.shared_) {
      other.gate_ = nullptr;
    }
    slot& operator=(slot&&) = delete;
    ~slot() {
      if (gate_)
        gate_->release(platform_, shared_);
    }

  private:
    platform_gate* gate_ = nullptr;
    std::int64_t platform_ = 0;
    int shared_ = -1; ///< the cluster-wide slot held, or -1
  };

  /// Several nodes: hold a cluster-wide slot per send (nullptr: this node alone, SQLite).
  void set_cluster_slots(persistence::platform_slots* slots) { slots_ = slots; }
  /// How many nodes share the rate limits now (from the heartbeat); at least 1.
  void set_live_nodes(int n);

  using waker = std::function<void()>;

  /// A slot when the platform's limits allow a send now; otherwise how long to wait. When all
  /// the platform's slots are taken and `wake` is given, `wake` is called (once, on the thread
  /// that frees it) when a slot frees, in the order the waiters came (one entry per `waiter`), so
  /// waiting jobs need not poll.
  /// `queued`, when given, says whether `wake` was queued (or already was) for this platform.
  std::optional<slot> try_acquire(const domain::platform& p, std::chrono::milliseconds& wait, std::int64_t waiter = 0,
                                  waker wake = {}, bool* queued = nullptr);

  /// A waiter woken for a free slot that did not take it: wakes the next one while a slot is free,
  /// so a slot never stays idle with waiters queued.
  void pass_on(std::int64_t platform);

  /// Sends in flight to the platform now, and the most ever seen at once (for tests and /metrics).
  int in_flight(std::int64_t platform) const;
  int peak(std::int64_t platform) const;

private:
  void release(std::int64_t platform, int shared);

  struct state {
    int in_flight = 0;
    int peak = 0;
    int limit = 1; ///< maxConcurrency as last asked
    double tokens = -1; ///< negative: not started yet (a full bucket)
    clock::time_point refilled{};
    std::deque<std::pair<std::int64_t, waker>> waiting;
  };
  mutable std::mutex mutex_;
  std::map<std::int64_t, state> platforms_;
  persistence::platform_slots* slots_ = nullptr;
  int live_nodes_ = 1;
};

} // namespace tunemantra::actors
