#pragma once
// Group commit for delivery transitions. Many sends settle at about the same moment; committing
// each on its own makes the database's fsync the limit. Callers hand their transitions here and
// block until they are durable; one writer thread takes everything queued and commits it in a
// single transaction, so a busy daemon pays one commit for many transitions while an idle one
// still commits at once (no timer: the batch is whatever queued while the last commit ran).
//
// A transaction that fails is retried one transition at a time, so a single bad row fails only
// its own caller.

#include <condition_variable>
#include <cstddef>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "persistence/delivery_store.hpp"

namespace tunemantra::persistence {

class group_commit {
public:
  /// Commits through `store`; at most `max_batch` transitions per transaction.
  explicit group_commit(delivery_store& store, std::size_t max_batch = 512);
  ~group_commit();
  group_commit(const group_commit&) = delete;
  group_commit& operator=(const group_commit&) = delete;

  /// Applies the transitions (each a compare-and-set, see delivery_store::transition_all) and
  /// returns once they are committed; element i says whether transition i applied. Rethrows the
  /// database error of a transition that could not be written.
  std::vector<bool> apply(std::vector<delivery_transition> batch);
  /// One transition.
  bool apply(delivery_transition t);

  /// Commits what is queued, then ends the writer. Later calls throw store_unavailable.
  void stop();

  /// Transactions committed and transitions they carried (for /metrics and the benchmark).
  std::size_t commits() const;
  std::size_t transitions() const;

private:
  struct request {
    std::vector<delivery_transition> batch;
    std::promise<std::vector<bool>> done;
  };
  void write();
  void commit(std::vector<request>& requests);

  delivery_store& store_;
  std::size_t max_batch_;
  std::vector<request> queue_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  bool stopping_ = false;
  std::size_t commits_ = 0, transitions_ = 0;
  std::thread writer_;
};

} // namespace tunemantra::persistence
