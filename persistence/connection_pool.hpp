#pragma once
// A bounded pool of SOCI sessions. lease() waits at most the configured time (SOCI's own pool
// waits forever), and a session whose connection broke is reconnected on its next use.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "persistence/database_url.hpp"

namespace soci {
class session;
}

namespace tunemantra::persistence {

struct pool_options {
  std::size_t size = 8;
  std::chrono::milliseconds lease_timeout{2000};
  int busy_timeout_ms = 5000;  ///< SQLite
  int connect_timeout_s = 5;   ///< PostgreSQL
  int idle_in_transaction_ms = 0; ///< PostgreSQL: the server ends a session idle in a transaction this long; 0: never
};

class connection_pool {
public:
  /// A session on loan; it goes back to the pool when the lease is destroyed.
  class lease {
  public:
    lease(connection_pool& pool, std::size_t index) : pool_(&pool), index_(index) {}
    lease(lease&& other) noexcept : pool_(other.pool_), index_(other.index_) { other.pool_ = nullptr; }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    lease& operator=(lease&&) = delete;
    ~lease();
    soci::session& operator*() const;
    soci::session* operator->() const { return &**this; }

  private:
    connection_pool* pool_;
    std::size_t index_;
  };

  /// Opens every connection now, so an unreachable database fails at start.
  /// Throws store_unavailable with the (password-free) reason.
  connection_pool(database_url url, pool_options options);
  ~connection_pool();
  connection_pool(const connection_pool&) = delete;
  connection_pool& operator=(const connection_pool&) = delete;

  /// Waits up to the lease timeout for a free session; throws pool_timeout past it.
  lease acquire();

  /// Runs `fn` on a leased session. When it fails because the connection was lost, reconnects
  /// once and runs it again (a transaction cut by a lost connection was rolled back by the server).
  void run(const std::function<void(soci::session&)>& fn);

  /// Runs `fn` in a write transaction on a leased session, with the same reconnect rule as run().
  /// SQLite has one writer: a lock in this process plus BEGIN IMMEDIATE, so two writers never
  /// deadlock on a lock upgrade and a writer in another process is waited for (busy timeout).
  /// The thread's lease (lease.hpp) is checked first, unless it is for job `checks_own_lease`:
  /// then `fn` locks that job's row and checks the lease on it (require_lease), saving a statement.
  void transact(const std::function<void(soci::session&)>& fn, std::int64_t checks_own_lease = 0);

  const database_url& url() const { return url_; }
  std::size_t size() const { return sessions_.size(); }
  std::size_t in_use() const;
  /// Leases that gave up waiting since start (for /metrics).
  std::uint64_t timeouts() const;

private:
  void release(std::size_t index);
  void configure(soci::session& s);
  std::unique_ptr<soci::session> connect();

  database_url url_;
  pool_options options_;
  std::vector<std::unique_ptr<soci::session>> sessions_;
  std::vector<bool> busy_;
  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::size_t in_use_ = 0;
  std::uint64_t timeouts_ = 0;
  std::mutex writer_; ///< SQLite: the one writer
};

/// True when `s` lost its server connection (PostgreSQL; SQLite files never do).
bool connection_lost(soci::session& s);

} // namespace tunemantra::persistence
