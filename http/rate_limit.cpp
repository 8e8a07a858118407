#include "http/rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace tunemantra::http {

rate_decision rate_limiter::take(const std::string& key, const rate_rule& rule) {
  using namespace std::chrono;
  const auto now = steady_clock::now();
  const double per_second = rule.per_minute / 60.0;
  std::lock_guard guard{mutex_};
  // Idle buckets are full anyway: forget them now and then so memory stays bounded.
  if (now - last_sweep_ > minutes(1) && buckets_.size() > 10'000) {
    std::erase_if(buckets_, [&](const auto& kv) { return now - kv.second.updated > minutes(10); });
    last_sweep_ = now;
  }
  auto [it, fresh] = buckets_.try_emplace(key, bucket{rule.burst, now});
  auto& b = it->second;
  if (!fresh) {
    b.tokens = std::min(rule.burst, b.tokens + duration<double>(now - b.updated).count() * per_second);
    b.updated = now;
  }
  rate_decision d;
  d.limit = static_cast<int>(rule.burst);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    d.allowed = true;
  } else {
    d.allowed = false;
    d.retry_after_s = static_cast<int>(std::ceil((1.0 - b.tokens) / per_second));
  }
  d.remaining = static_cast<int>(std::floor(b.tokens));
  d.reset_s = static_cast<int>(std::ceil((rule.burst - b.tokens) / per_second));
  return d;
}

} // namespace tunemantra::http
