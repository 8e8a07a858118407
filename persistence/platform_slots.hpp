#pragma once
// Per-platform concurrency across the whole cluster: a send to a platform limited to N at once
// holds one of N PostgreSQL advisory locks (platform id, slot 0..N-1) on this node's own
// connection. The server ends a dead node's session and with it its locks, so a crashed node
// never keeps slots. SOCI has no advisory-lock helper worth the pool, so this uses libpq itself.
// Thread-safe (one connection, one call at a time).

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <mutex>
#include <optional>
#include <string>

typedef struct pg_conn PGconn;

namespace tunemantra::persistence {

class platform_slots {
public:
  explicit platform_slots(std::string conninfo);
  ~platform_slots();
  platform_slots(const platform_slots&) = delete;
  platform_slots& operator=(const platform_slots&) = delete;

  /// A free slot of the platform's `limit`, now held by this node; nullopt when every slot is
  /// held somewhere (or the database is away: no send then, it waits for the next try).
  std::optional<int> take(std::int64_t platform, int limit);
  /// Gives a slot back.
  void give_back(std::int64_t platform, int slot);

private:
  bool connected();
  std::string conninfo_;
  std::mutex mutex_;
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn_{nullptr, nullptr}; ///< a pq::connection (persistence/libpq.hpp)
  std::map<std::int64_t, std::set<int>> held_; ///< slots this session holds, per platform
};

} // namespace tunemantra::persistence
