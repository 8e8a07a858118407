#include "persistence/migrations.hpp"

#include <soci/soci.h>

#include "domain/log.hpp"
#include "domain/time.hpp"
#include "persistence/errors.hpp"

namespace tunemantra::persistence {
namespace {

/// PostgreSQL: nodes starting together must not migrate twice; this key serialises them.
constexpr long long migration_lock_key = 0x746d6d6967; // "tmmig"

void ensure_table(soci::session& s) {
  s << "CREATE TABLE IF NOT EXISTS schema_migrations ("
       "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";
}

} // namespace

int latest_schema_version(backend_kind backend) {
  const auto& all = embedded_migrations(backend);
  return all.empty() ? 0 : all.back().version;
}

std::vector<std::string> split_statements(std::string_view sql) {
  std::vector<std::string> out;
  std::string current;
  bool in_quote = false;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (!in_quote && c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n')
        ++i;
      current += '\n';
      continue;
    }
    if (c == '\'')
      in_quote = !in_quote;
    if (c == ';' && !in_quote) {
      if (current.find_first_not_of(" \t\r\n") != std::string::npos)
        out.push_back(current);
      current.clear();
      continue;
    }
    current += c;
  }
  if (current.find_first_not_of(" \t\r\n") != std::string::npos)
    out.push_back(current);
  return out;
}

int current_schema_version(soci::session& s) {
  ensure_table(s);
  int version = 0;
  soci::indicator ind = soci::i_null;
  s << "SELECT MAX(version) FROM schema_migrations", soci::into(version, ind);
  return ind == soci::i_ok ? version : 0;
}

int migrate(soci::session& s, backend_kind backend) {
  const bool pg = backend == backend_kind::postgresql;
  if (pg)
    s << "SELECT pg_advisory_lock(" << migration_lock_key << ")";
  struct unlock {
    soci::session& s;
    bool pg;
    ~unlock() {
      if (pg) {
        try {
          s << "SELECT pg_advisory_unlock(" << migration_lock_key << ")";
        } catch (...) {
          // the lock dies with the connection anyway
        }
      }
    }
  } guard{s, pg};

  const int current = current_schema_version(s);
  const int latest = latest_schema_version(backend);
  if (current > latest)
    throw schema_too_new("database schema version " + std::to_string(current)
                         + " is newer than this tunemantrad supports (" + std::to_string(latest)
                         + "); upgrade tunemantrad");
  int applied = 0;
  for (const auto& m : embedded_migrations(backend)) {
    if (m.version <= current)
      continue;
    // SQLite: BEGIN IMMEDIATE takes the write lock up front, so two processes migrating at once
    // queue on the busy timeout instead of failing a lock upgrade. PostgreSQL holds the advisory lock.
    if (pg)
      s.begin();
    else
      s << "BEGIN IMMEDIATE";
    try {
      if (current_schema_version(s) >= m.version) { // another process got here first
        s.commit();
        continue;
      }
      for (const auto& statement : split_statements(m.sql))
        s << statement;
      const std::string name{m.name};
      const long long now = domain::now_millis();
      s << "INSERT INTO schema_migrations (version, name, applied_at) VALUES (:v, :n, :t)", soci::use(m.version),
        soci::use(name), soci::use(now);
      s.commit();
    } catch (...) {
      s.rollback();
      throw;
    }
    log::info("store applied migration", {{"version", std::to_string(m.version)}, {"name", std::string(m.name)}});
    ++applied;
  }
  return applied;
}

} // namespace tunemantra::persistence
