#include "persistence/job_changes.hpp"

namespace tunemantra::persistence {

// The generation a watch compares against folds in the epoch, so changed_all wakes everyone.
namespace {
constexpr std::uint64_t epoch_shift = 40;
}

std::optional<job_changes::watch> job_changes::try_watch(std::int64_t job) {
  std::lock_guard lock(mutex_);
  if (watches_ >= max_watches_)
    return std::nullopt;
  ++watches_;
  auto& e = jobs_[job];
  ++e.watchers;
  return watch(this, job, e.generation + (epoch_ << epoch_shift));
}

job_changes::watch::~watch() {
  if (!hub_)
    return;
  std::lock_guard lock(hub_->mutex_);
  --hub_->watches_;
  auto it = hub_->jobs_.find(job_);
  if (it != hub_->jobs_.end() && --it->second.watchers == 0)
    hub_->jobs_.erase(it); // nobody waits: forget it (a change then costs one lookup)
}

bool job_changes::watch::wait_until(clock::time_point until) {
  std::unique_lock lock(hub_->mutex_);
  return hub_->cv_.wait_until(lock, until, [&] {
    const auto it = hub_->jobs_.find(job_);
    return it != hub_->jobs_.end() && it->second.generation + (hub_->epoch_ << epoch_shift) != seen_;
  });
}

void job_changes::changed(std::int64_t job) {
  {
    std::lock_guard lock(mutex_);
    const auto it = jobs_.find(job);
    if (it == jobs_.end())
      return;
    ++it->second.generation;
  }
  cv_.notify_all();
}

void job_changes::changed_all() {
  {
    std::lock_guard lock(mutex_);
    if (jobs_.empty())
      return;
    ++epoch_;
  }
  cv_.notify_all();
}

void job_changes::set_max_watches(std::size_t n) {
  std::lock_guard lock(mutex_);
  max_watches_ = n;
}

std::size_t job_changes::watching() const {
  std::lock_guard lock(mutex_);
  return watches_;
}

} // namespace tunemantra::persistence
