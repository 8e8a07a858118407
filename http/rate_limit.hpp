#pragma once
// Token-bucket rate limiting per client (API key prefix, else IP) and route group. The buckets
// live in this node's memory: with N nodes behind a load balancer a client gets up to N times the
// limit (documented in docs/operations.md). Failed-login throttling, which matters for security,
// is kept in the database instead and holds across nodes.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tunemantra::http {

struct rate_rule {
  double per_minute = 600;
  double burst = 100;
};

struct rate_decision {
  bool allowed = true;
  int limit = 0;       ///< the burst size
  int remaining = 0;   ///< whole tokens left
  int reset_s = 0;     ///< seconds until the bucket is full again
  int retry_after_s = 0; ///< when refused: seconds until one token is back
};

class rate_limiter {
public:
  /// Takes one token from the bucket `key` under `rule`.
  rate_decision take(const std::string& key, const rate_rule& rule);

private:
  struct bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point updated;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
  std::chrono::steady_clock::time_point last_sweep_ = std::chrono::steady_clock::now();
};

} // namespace tunemantra::http
