#include "daemon/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

#include "domain/log.hpp"

namespace tunemantra::daemon {

void notify_ready(const std::string& status) { sd_notify(0, ("READY=1\nSTATUS=" + status).c_str()); }

void notify_stopping() { sd_notify(0, "STOPPING=1\nSTATUS=stopping"); }

watchdog::watchdog(std::function<bool()> healthy) : healthy_(std::move(healthy)) {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
    return;
  interval_ = std::chrono::microseconds{usec / 2};
  log::info("watchdog enabled", {{"interval_ms", std::to_string(interval_.count() / 1000)}});
  thread_ = std::thread([this] {
    auto next = std::chrono::steady_clock::now();
    while (!stop_) {
      if (std::chrono::steady_clock::now() >= next) {
        if (healthy_())
          sd_notify(0, "WATCHDOG=1");
        else
          log::warn("watchdog withheld: supervisor did not answer");
        next = std::chrono::steady_clock::now() + interval_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

watchdog::~watchdog() {
  stop_ = true;
  if (thread_.joinable())
    thread_.join();
}

} // namespace tunemantra::daemon
