#include "persistence/connection_pool.hpp"
#include "persistence/lease.hpp"

#include <thread>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "domain/log.hpp"
#include "persistence/errors.hpp"
#include "persistence/sqlite_library.hpp"

namespace tunemantra::persistence {

connection_pool::lease::~lease() {
  if (pool_)
    pool_->release(index_);
}

soci::session& connection_pool::lease::operator*() const { return *pool_->sessions_[index_]; }

connection_pool::connection_pool(database_url url, pool_options options)
  : url_(std::move(url)), options_(options) {
  if (url_.backend == backend_kind::sqlite)
    configure_sqlite_library();
  if (options_.size == 0)
    options_.size = 1;
  for (std::size_t i = 0; i < options_.size; ++i) {
    sessions_.push_back(connect());
    busy_.push_back(false);
  }
  log::info("pool opened", {{"backend", std::string(to_string(url_.backend))},
                            {"url", url_.redacted},
                            {"size", std::to_string(options_.size)}});
}

connection_pool::~connection_pool() = default;

std::unique_ptr<soci::session> connection_pool::connect() {
  try {
    std::unique_ptr<soci::session> s;
    if (url_.backend == backend_kind::sqlite) {
      s = std::make_unique<soci::session>(soci::sqlite3, "db=" + url_.target);
    } else {
      // libpq takes the URI as its conninfo; connect_timeout bounds the wait for a dead host.
      const char sep = url_.target.find('?') == std::string::npos ? '?' : '&';
      s = std::make_unique<soci::session>(
        soci::postgresql, url_.target + sep + "connect_timeout=" + std::to_string(options_.connect_timeout_s));
    }
    configure(*s);
    return s;
  } catch (const soci::soci_error& e) {
    std::string why = e.get_error_message();
    while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
      why.pop_back();
    throw store_unavailable("cannot connect to " + url_.redacted + ": " + why);
  }
}

void connection_pool::configure(soci::session& s) {
  if (url_.backend == backend_kind::sqlite) {
    std::string mode;
    // busy_timeout first: switching to WAL needs the lock another opener may hold.
    s << "PRAGMA busy_timeout=" + std::to_string(options_.busy_timeout_ms);
    // SQLite answers "database is locked" without calling the busy handler while another
    // connection runs WAL recovery (nodes starting together); retry within the busy timeout.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.busy_timeout_ms);
    for (;;) {
      try {
        s << "PRAGMA journal_mode=WAL", soci::into(mode);
        break;
      } catch (const soci::soci_error& e) {
        if (std::string_view(e.what()).find("locked") == std::string_view::npos || std::chrono::steady_clock::now() > deadline)
          throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    s << "PRAGMA foreign_keys=ON";
    s << "PRAGMA synchronous=NORMAL";
  } else {
    s << "SET TIME ZONE 'UTC'";
    // A node paused mid-transaction (SIGSTOP, a stall, a cut network) must not keep its row locks:
    // the server ends such a session, so other nodes can take its jobs once their leases end.
    if (options_.idle_in_transaction_ms > 0)
      s << "SET idle_in_transaction_session_timeout = " + std::to_string(options_.idle_in_transaction_ms);
  }
}

connection_pool::lease connection_pool::acquire() {
  std::unique_lock guard{mutex_};
  const bool got = released_.wait_for(guard, options_.lease_timeout, [&] { return in_use_ < sessions_.size(); });
  if (!got) {
    ++timeouts_;
    throw pool_timeout("no database connection free within " + std::to_string(options_.lease_timeout.count())
                       + " ms (pool size " + std::to_string(sessions_.size()) + ")");
  }
  for (std::size_t i = 0; i < busy_.size(); ++i) {
    if (!busy_[i]) {
      busy_[i] = true;
      ++in_use_;
      return lease{*this, i};
    }
  }
  throw store_error("connection pool bookkeeping is inconsistent");
}

void connection_pool::release(std::size_t index) {
  {
    std::lock_guard guard{mutex_};
    busy_[index] = false;
    --in_use_;
  }
  released_.notify_one();
}

std::size_t connection_pool::in_use() const {
  std::lock_guard guard{mutex_};
  return in_use_;
}

std::uint64_t connection_pool::timeouts() const {
  std::lock_guard guard{mutex_};
  return timeouts_;
}

void connection_pool::run(const std::function<void(soci::session&)>& fn) {
  auto l = acquire();
  try {
    if (l->get_backend() == nullptr)
      throw soci::soci_error("session is not connected");
    fn(*l);
    return;
  } catch (const soci::soci_error& e) {
    if (!connection_lost(*l))
      throw store_error(e.get_error_message());
    log::warn("store lost connection", {{"url", url_.redacted}, {"error", e.get_error_message()}});
  }
  try {
    l->reconnect();
    configure(*l);
  } catch (const soci::soci_error& e) {
    throw store_unavailable("database connection lost and reconnect failed: " + e.get_error_message());
  }
  log::info("store reconnected", {{"url", url_.redacted}});
  try {
    fn(*l);
  } catch (const soci::soci_error& e) {
    if (connection_lost(*l))
      throw store_unavailable("database connection lost: " + e.get_error_message());
    throw store_error(e.get_error_message());
  }
}

void connection_pool::transact(const std::function<void(soci::session&)>& fn, std::int64_t checks_own_lease) {
  run([&](soci::session& s) {
    std::unique_lock lock{writer_, std::defer_lock};
    if (url_.backend == backend_kind::sqlite) {
      lock.lock();
      s << "BEGIN IMMEDIATE";
    } else {
      s.begin();
    }
    try {
      if (const auto* fence = current_lease(); fence && (checks_own_lease == 0 || fence->job_id != checks_own_lease))
        check_lease(s, url_.backend == backend_kind::postgresql, *fence);
      fn(s);
      s.commit();
    } catch (...) {
      try {
        s.rollback();
      } catch (...) {
        // a dead connection has rolled back already
      }
      throw;
    }
  });
}

bool connection_lost(soci::session& s) {
  if (s.get_backend() == nullptr)
    return true; // a reconnect failed earlier: the session has no connection at all
  // SOCI does not export the backend's typeinfo, so no dynamic_cast: ask for the name instead.
  if (s.get_backend_name() != "postgresql")
    return false;
  auto* pg = static_cast<soci::postgresql_session_backend*>(s.get_backend());
  return pg->conn_ == nullptr || PQstatus(pg->conn_) != CONNECTION_OK;
}

} // namespace tunemantra::persistence
