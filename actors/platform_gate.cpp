#include "actors/platform_gate.hpp"

#include <algorithm>
#include <cmath>

namespace tunemantra::actors {

std::optional<platform_gate::slot> platform_gate::try_acquire(const domain::platform& p, std::chrono::milliseconds& wait,
                                                             std::int64_t waiter, waker wake, bool* queued) {
  std::lock_guard lock(mutex_);
  if (queued)
    *queued = false;
  auto& s = platforms_[p.id];
  const auto now = clock::now();
  const double per_second = std::max(p.rate_per_minute, 1) / 60.0 / live_nodes_; // this node's share
  const double capacity = std::max(1.0, per_second); // one second's worth, at least one send
  if (s.tokens < 0) {
    s.tokens = capacity;
    s.refilled = now;
  }
  s.tokens = std::min(capacity, s.tokens + std::chrono::duration<double>(now - s.refilled).count() * per_second);
  s.refilled = now;
  s.limit = std::max(p.max_concurrency, 1);
  if (s.in_flight >= s.limit) {
    wait = std::chrono::milliseconds(20); // a slot frees when a send ends
    if (wake)
      wait = std::chrono::milliseconds(5000); // woken when one does; this is only the safety net
    if (queued)
      *queued = static_cast<bool>(wake);
    if (wake && std::none_of(s.waiting.begin(), s.waiting.end(), [&](const auto& w) { return w.first == waiter; }))
      s.waiting.emplace_back(waiter, std::move(wake));
    return std::nullopt;
  }
  if (s.tokens < 1.0) {
    wait = std::chrono::milliseconds(static_cast<long long>(std::ceil((1.0 - s.tokens) / per_second * 1000)));
    return std::nullopt;
  }
  int shared = -1;
  if (slots_) { // always: a node that thinks it is alone may be wrong for a heartbeat
    const auto taken = slots_->take(p.id, s.limit);
    if (!taken) { // every slot is busy on some node: no wake-up comes from there, so look again soon
      wait = std::chrono::milliseconds(50);
      return std::nullopt;
    }
    shared = *taken;
  }
  s.tokens -= 1.0;
  s.peak = std::max(s.peak, ++s.in_flight);
  return slot(this, p.id, shared);
}

void platform_gate::set_live_nodes(int n) {
  std::lock_guard lock(mutex_);
  live_nodes_ = std::max(n, 1);
}

void platform_gate::release(std::int64_t platform, int shared) {
  if (shared >= 0 && slots_)
    slots_->give_back(platform, shared);
  waker next;
  {
    std::lock_guard lock(mutex_);
    auto& s = platforms_[platform];
    s.in_flight = std::max(0, s.in_flight - 1);
    if (!s.waiting.empty()) {
      next = std::move(s.waiting.front().second);
      s.waiting.pop_front();
    }
  }
  if (next)
    next(); // outside the lock: it may ask the gate again
}

void platform_gate::pass_on(std::int64_t platform) {
  waker next;
  {
    std::lock_guard lock(mutex_);
    auto& s = platforms_[platform];
    if (s.waiting.empty() || s.in_flight >= s.limit)
      return;
    next = std::move(s.waiting.front().second);
    s.waiting.pop_front();
  }
  next();
}

int platform_gate::in_flight(std::int64_t platform) const {
  std::lock_guard lock(mutex_);
  const auto it = platforms_.find(platform);
  return it == platforms_.end() ? 0 : it->second.in_flight;
}

int platform_gate::peak(std::int64_t platform) const {
  std::lock_guard lock(mutex_);
  const auto it = platforms_.find(platform);
  return it == platforms_.end() ? 0 : it->second.peak;
}

} // namespace tunemantra::actors
