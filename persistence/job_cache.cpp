#include "persistence/job_cache.hpp"

namespace tunemantra::persistence {

std::uint64_t job_cache::ticket() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

std::optional<domain::job> job_cache::get(std::int64_t id) const {
  std::lock_guard lock(mutex_);
  const auto it = jobs_.find(id);
  if (it == jobs_.end() || it->second.until <= clock::now())
    return std::nullopt;
  return it->second.job;
}

std::size_t job_cache::bytes_of(const domain::job& j) {
  return sizeof(domain::job) + j.kind.size() + j.payload.size() + j.result.size() + j.error.size()
         + j.lease_owner.size();
}

void job_cache::put(std::uint64_t ticket, const domain::job& j) {
  const auto size = bytes_of(j);
  if (size > max_bytes_ / 64)
    return; // a large result (a big bulk job's lists) is read from the database each time
  std::lock_guard lock(mutex_);
  if (ticket != generation_)
    return;
  if (const auto it = jobs_.find(j.id); it != jobs_.end()) {
    bytes_ -= bytes_of(it->second.job);
    jobs_.erase(it);
  }
  if (bytes_ + size > max_bytes_) {
    jobs_.clear();
    bytes_ = 0;
  }
  jobs_.emplace(j.id, entry{j, clock::now() + ttl_});
  bytes_ += size;
}

void job_cache::forget(std::int64_t id) {
  std::lock_guard lock(mutex_);
  ++generation_;
  if (const auto it = jobs_.find(id); it != jobs_.end()) {
    bytes_ -= bytes_of(it->second.job);
    jobs_.erase(it);
  }
}

void job_cache::forget_all() {
  std::lock_guard lock(mutex_);
  ++generation_;
  jobs_.clear();
  bytes_ = 0;
}

} // namespace tunemantra::persistence
