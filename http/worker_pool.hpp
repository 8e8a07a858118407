#pragma once
// The HTTP workers: a fixed number of threads with small stacks (each serves one request at a
// time; idle keep-alive connections wait in the reactor, http/reactor.hpp, not here) and a bounded
// queue in front of them. When the queue is full, submit() says no at once, so the caller can shed
// the connection with a fast 503 instead of queueing it behind slow clients forever.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include <pthread.h>

namespace tunemantra::http {

class worker_pool {
public:
  /// `threads` workers, each with a stack of `stack_bytes` (0: the system's default); at most
  /// `max_queued` tasks wait for one.
  worker_pool(std::size_t threads, std::size_t max_queued, std::size_t stack_bytes);
  ~worker_pool();
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  /// Queues `task`; false (and `task` not run) when the queue is full or the pool stopped.
  bool submit(std::function<void()> task);
  /// Runs what is queued, then joins the workers; later submits are refused.
  void shutdown();

  std::size_t threads() const { return threads_.size(); }
  /// Workers waiting for a task (a snapshot).
  std::size_t idle() const;
  /// Tasks waiting for a worker (a snapshot).
  std::size_t queued() const;

private:
  static void* run(void* self);
  void work();

  std::size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  std::size_t idle_ = 0;
  bool stopping_ = false;
  std::vector<pthread_t> threads_;
};

} // namespace tunemantra::http
