#include "http/worker_pool.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tunemantra::http {

worker_pool::worker_pool(std::size_t threads, std::size_t max_queued, std::size_t stack_bytes)
    : max_queued_(max_queued) {
  // std::thread cannot choose its stack size; a pthread can (the default is 8 MiB of address space).
  pthread_attr_t attr;
  ::pthread_attr_init(&attr);
  if (stack_bytes > 0)
    ::pthread_attr_setstacksize(&attr, std::max<std::size_t>(stack_bytes, PTHREAD_STACK_MIN));
  for (std::size_t i = 0; i < threads; ++i) {
    pthread_t t;
    if (const int e = ::pthread_create(&t, &attr, &worker_pool::run, this); e != 0) {
      ::pthread_attr_destroy(&attr);
      shutdown();
      throw std::runtime_error(std::string("cannot start an HTTP worker thread: ") + std::strerror(e));
    }
    threads_.push_back(t);
  }
  ::pthread_attr_destroy(&attr);
}

worker_pool::~worker_pool() { shutdown(); }

bool worker_pool::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    // A task may wait only if an idle worker will take it or the queue has room.
    if (stopping_ || tasks_.size() >= idle_ + max_queued_)
      return false;
    tasks_.push_back(std::move(task));
  }
  ready_.notify_one();
  return true;
}

void worker_pool::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty())
      return;
    stopping_ = true;
  }
  ready_.notify_all();
  for (const auto t : threads_)
    ::pthread_join(t, nullptr);
  threads_.clear();
}

std::size_t worker_pool::idle() const {
  std::lock_guard lock(mutex_);
  return idle_;
}

std::size_t worker_pool::queued() const {
  std::lock_guard lock(mutex_);
  return tasks_.size();
}

void* worker_pool::run(void* self) {
  static_cast<worker_pool*>(self)->work();
  return nullptr;
}

void worker_pool::work() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      ++idle_;
      ready_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
      --idle_;
      if (tasks_.empty())
        return; // stopping, and nothing left to run
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

} // namespace tunemantra::http
