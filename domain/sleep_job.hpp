#pragma once
// The diagnostic `sleep` job kind: N steps of M milliseconds, each step recorded once. It can be
// told to crash, which is how the supervision and crash-recovery tests drive the job runtime.

#include <optional>
#include <string>
#include <string_view>

namespace tunemantra::domain {

struct sleep_spec {
  int steps = 1;          ///< 1..100000
  int step_ms = 100;      ///< 0..60000
  int crash_times = 0;    ///< crash on the first `crash_times` attempts ...
  int crash_at_step = 1;  ///< ... when about to run this step
  bool crash_same = false; ///< crash with the same message every time (not naming the attempt)
};

/// Parses a sleep job's payload (`{"steps": 10, "stepMs": 50, "crashTimes": 2, "crashAtStep": 3,
/// "crashSame": false}`).
/// On failure returns nullopt and puts a one-line reason into `error`.
std::optional<sleep_spec> parse_sleep_spec(std::string_view payload, std::string& error);

/// Whether attempt `attempt` (1 for the first run) must crash before running `step`.
bool sleep_should_crash(const sleep_spec& spec, int attempt, int step);

} // namespace tunemantra::domain
