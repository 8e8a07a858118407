#pragma once
// systemd integration: READY=1 / STOPPING=1 / STATUS= notifications and the watchdog heartbeat.
// Outside systemd (no NOTIFY_SOCKET) every call does nothing.

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace tunemantra::daemon {

void notify_ready(const std::string& status);
void notify_stopping();

/// Sends WATCHDOG=1 at half the unit's WatchdogSec, but only while `healthy()` says yes, so a hung
/// supervisor gets the daemon restarted. Does nothing when the unit has no watchdog.
class watchdog {
public:
  explicit watchdog(std::function<bool()> healthy);
  ~watchdog();
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;
  bool enabled() const { return interval_.count() > 0; }

private:
  std::function<bool()> healthy_;
  std::chrono::microseconds interval_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

} // namespace tunemantra::daemon
