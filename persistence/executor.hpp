#pragma once
// A bounded pool of std::threads for blocking store work. Actors never call SOCI on a CAF
// scheduler thread: they post the call here and get the answer back through a future or a
// callback (which sends a message to the actor).

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#include "persistence/errors.hpp"

namespace tunemantra::persistence {

class executor {
public:
  /// `threads` workers; at most `max_queued` tasks wait, more are refused with store_unavailable.
  executor(std::size_t threads, std::size_t max_queued);
  ~executor();
  executor(const executor&) = delete;
  executor& operator=(const executor&) = delete;

  /// Queues `fn`; its result or exception arrives through the future.
  template <class F>
  auto submit(F&& fn) -> std::future<std::invoke_result_t<F>> {
    using result = std::invoke_result_t<F>;
    auto task = std::make_shared<std::packaged_task<result()>>(std::forward<F>(fn));
    auto fut = task->get_future();
    post([task] { (*task)(); });
    return fut;
  }

  /// Queues a fire-and-forget task (it must not throw; wrap it if it can).
  void post(std::function<void()> task);

  /// Finishes the queued tasks, then joins the workers. Later submissions are refused.
  void stop();

  std::size_t queued() const;

private:
  void work();

  std::size_t max_queued_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> workers_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  bool stopping_ = false;
};

} // namespace tunemantra::persistence
