#include "persistence/platform_slots.hpp"

#include "domain/log.hpp"
#include "persistence/libpq.hpp"

namespace tunemantra::persistence {

platform_slots::platform_slots(std::string conninfo) : conninfo_(std::move(conninfo)) {}

platform_slots::~platform_slots() = default; // closing the session frees every slot it held

bool platform_slots::connected() {
  if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK)
    return true;
  held_.clear(); // the server ended the session (restart): its locks are gone with it
  conn_ = pq::connect(conninfo_);
  if (PQstatus(conn_.get()) == CONNECTION_OK)
    return true;
  log::warn("platform slots: no database connection", {{"error", PQerrorMessage(conn_.get())}});
  return false;
}

std::optional<int> platform_slots::take(std::int64_t platform, int limit) {
  std::lock_guard lock(mutex_);
  if (!connected())
    return std::nullopt;
  // The first free slot: the scan stops at the first lock it gets, so no other slot is taken.
  // A session may take its own advisory lock again, so the slots this node holds are skipped
  // (CASE fixes the order: the lock is tried only for a slot not held here).
  auto& mine = held_[platform];
  std::string skip = "{";
  for (const auto k : mine)
    skip += (skip.size() > 1 ? "," : "") + std::to_string(k);
  skip += "}";
  const auto r = pq::exec(conn_.get(),
                       "SELECT k FROM generate_series(0, $2::int - 1) AS k "
                       "WHERE CASE WHEN k = ANY($3::int[]) THEN false ELSE pg_try_advisory_lock($1::int, k) END LIMIT 1",
                       {std::to_string(static_cast<int>(platform)), std::to_string(limit), skip});
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1)
    return std::nullopt;
  const int slot = std::stoi(PQgetvalue(r.get(), 0, 0));
  mine.insert(slot);
  return slot;
}

void platform_slots::give_back(std::int64_t platform, int slot) {
  std::lock_guard lock(mutex_);
  if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK)
    return; // the session ended: the lock went with it
  if (held_[platform].erase(slot) == 0)
    return; // taken before a reconnect: gone with the old session
  pq::exec(conn_.get(), "SELECT pg_advisory_unlock($1::int, $2::int)",
        {std::to_string(static_cast<int>(platform)), std::to_string(slot)});
}

} // namespace tunemantra::persistence
