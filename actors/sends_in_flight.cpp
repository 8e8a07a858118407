#include "actors/sends_in_flight.hpp"

namespace tunemantra::actors {

bool sends_in_flight::claim(std::int64_t delivery, std::int64_t job, const job_actor& owner) {
  std::lock_guard lock(mutex_);
  if (!sends_.emplace(delivery, send{job, owner}).second)
    return false;
  ++per_job_[job];
  return true;
}

bool sends_in_flight::adopt(std::int64_t delivery, const job_actor& owner) {
  std::lock_guard lock(mutex_);
  const auto it = sends_.find(delivery);
  if (it == sends_.end())
    return false;
  it->second.owner = owner;
  return true;
}

sends_in_flight::ended sends_in_flight::finish(std::int64_t delivery) {
  std::lock_guard lock(mutex_);
  const auto it = sends_.find(delivery);
  if (it == sends_.end())
    return {};
  ended out{it->second.owner, 0};
  const auto job = it->second.job;
  sends_.erase(it);
  auto count = per_job_.find(job);
  if (count != per_job_.end() && --count->second == 0)
    per_job_.erase(count);
  else if (count != per_job_.end())
    out.left_in_job = count->second;
  return out;
}

std::size_t sends_in_flight::size() const {
  std::lock_guard lock(mutex_);
  return sends_.size();
}

} // namespace tunemantra::actors
