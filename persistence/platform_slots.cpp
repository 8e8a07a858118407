#include "persistence/platform_slots.hpp"

#include <initializer_list>
#include <memory>
#include <vector>

#include <libpq-fe.h>

#include "domain/log.hpp"

namespace tunemantra::persistence {
namespace {

using result = std::unique_ptr<PGresult, decltype(&PQclear)>;

result query(PGconn* c, const char* sql, std::initializer_list<std::string> params) {
  std::vector<const char*> values;
  for (const auto& p : params)
    values.push_back(p.c_str());
  return result{PQexecParams(c, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0),
                &PQclear};
}

} // namespace

platform_slots::platform_slots(std::string conninfo) : conninfo_(std::move(conninfo)) {}

platform_slots::~platform_slots() {
  if (conn_)
    PQfinish(conn_); // ends the session: every slot it held is free
}

bool platform_slots::connected() {
  if (conn_ && PQstatus(conn_) == CONNECTION_OK)
    return true;
  if (conn_)
    PQfinish(conn_); // the server ended the session (restart): its locks are gone with it
  held_.clear();
  conn_ = PQconnectdb(conninfo_.c_str());
  if (PQstatus(conn_) == CONNECTION_OK)
    return true;
  log::warn("platform slots: no database connection", {{"error", PQerrorMessage(conn_)}});
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
  const auto r = query(conn_,
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
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK)
    return; // the session ended: the lock went with it
  if (held_[platform].erase(slot) == 0)
    return; // taken before a reconnect: gone with the old session
  query(conn_, "SELECT pg_advisory_unlock($1::int, $2::int)",
        {std::to_string(static_cast<int>(platform)), std::to_string(slot)});
}

} // namespace tunemantra::persistence
