#include "persistence/group_commit.hpp"

#include <exception>

#include "persistence/errors.hpp"

namespace tunemantra::persistence {

group_commit::group_commit(delivery_store& store, std::size_t max_batch)
  : store_(store), max_batch_(max_batch), writer_([this] { write(); }) {}

group_commit::~group_commit() { stop(); }

std::vector<bool> group_commit::apply(std::vector<delivery_transition> batch) {
  if (batch.empty())
    return {};
  if (const auto* fence = current_lease()) // the writer thread checks each caller's lease
    for (auto& t : batch)
      t.fence = *fence;
  std::future<std::vector<bool>> answer;
  {
    std::lock_guard lock(mutex_);
    if (stopping_)
      throw store_unavailable("the delivery writer has stopped");
    queue_.push_back(request{std::move(batch), {}});
    answer = queue_.back().done.get_future();
  }
  ready_.notify_one();
  return answer.get();
}

bool group_commit::apply(delivery_transition t) {
  std::vector<delivery_transition> one;
  one.push_back(std::move(t));
  return apply(std::move(one)).front();
}

void group_commit::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !writer_.joinable())
      return;
    stopping_ = true;
  }
  ready_.notify_one();
  if (writer_.joinable())
    writer_.join();
}

std::size_t group_commit::commits() const {
  std::lock_guard lock(mutex_);
  return commits_;
}

std::size_t group_commit::transitions() const {
  std::lock_guard lock(mutex_);
  return transitions_;
}

void group_commit::write() {
  for (;;) {
    std::vector<request> taken;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty())
        return; // stopping, and everything queued is committed
      // Whole requests, up to max_batch_ transitions (a bigger single request goes alone).
      std::size_t size = 0, n = 0;
      while (n < queue_.size() && (n == 0 || size + queue_[n].batch.size() <= max_batch_))
        size += queue_[n++].batch.size();
      taken.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    commit(taken);
  }
}

void group_commit::commit(std::vector<request>& requests) {
  std::vector<delivery_transition> all;
  for (auto& r : requests)
    all.insert(all.end(), r.batch.begin(), r.batch.end());
  try {
    const auto applied = store_.transition_all(all);
    {
      std::lock_guard lock(mutex_); // counted before anyone is answered
      ++commits_;
      transitions_ += all.size();
    }
    std::size_t at = 0;
    for (auto& r : requests) {
      r.done.set_value(std::vector<bool>(applied.begin() + static_cast<std::ptrdiff_t>(at),
                                         applied.begin() + static_cast<std::ptrdiff_t>(at + r.batch.size())));
      at += r.batch.size();
    }
  } catch (...) {
    if (requests.size() == 1) {
      requests.front().done.set_exception(std::current_exception());
      return;
    }
    // Someone's row broke the transaction: each request alone, so only that one fails.
    for (auto& r : requests) {
      try {
        auto applied = store_.transition_all(r.batch);
        {
          std::lock_guard lock(mutex_);
          ++commits_;
          transitions_ += r.batch.size();
        }
        r.done.set_value(std::move(applied));
      } catch (...) {
        r.done.set_exception(std::current_exception());
      }
    }
  }
}

} // namespace tunemantra::persistence
