#include "persistence/executor.hpp"

namespace tunemantra::persistence {

executor::executor(std::size_t threads, std::size_t max_queued) : max_queued_(max_queued) {
  if (threads == 0)
    threads = 1;
  for (std::size_t i = 0; i < threads; ++i)
    workers_.emplace_back([this] { work(); });
}

executor::~executor() { stop(); }

void executor::post(std::function<void()> task) {
  {
    std::lock_guard guard{mutex_};
    if (stopping_)
      throw store_unavailable("store executor is shutting down");
    if (queue_.size() >= max_queued_)
      throw store_unavailable("store executor queue is full (" + std::to_string(max_queued_) + " tasks)");
    queue_.push_back(std::move(task));
  }
  ready_.notify_one();
}

void executor::stop() {
  {
    std::lock_guard guard{mutex_};
    if (stopping_ && workers_.empty())
      return;
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& w : workers_)
    if (w.joinable())
      w.join();
  workers_.clear();
}

std::size_t executor::queued() const {
  std::lock_guard guard{mutex_};
  return queue_.size();
}

void executor::work() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock guard{mutex_};
      ready_.wait(guard, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty())
        return; // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

} // namespace tunemantra::persistence
