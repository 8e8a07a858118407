#pragma once
// Request metrics for GET /metrics (Prometheus text format 0.0.4): a counter per route, method and
// status, and a latency histogram per route and method. Labels use the route pattern, never the
// raw path, so their number stays bounded.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace tunemantra::http {

class request_metrics {
public:
  static constexpr std::array<double, 12> buckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                  0.1,   0.25,   0.5,   1.0,  2.5,   10.0};

  void observe(std::string_view route, std::string_view method, int status, double seconds);
  /// Appends the request series to `out`.
  void render(std::string& out) const;

private:
  struct histogram {
    std::array<std::uint64_t, buckets.size()> counts{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, histogram> latency_;
};

/// Appends `# HELP` and `# TYPE` lines for a metric family.
void metric_header(std::string& out, std::string_view name, std::string_view type, std::string_view help);
/// Escapes a label value (backslash, quote, newline).
std::string label_value(std::string_view v);

} // namespace tunemantra::http
