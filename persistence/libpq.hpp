#pragma once
// The few libpq calls the connections SOCI cannot serve need (LISTEN/NOTIFY in pg_channel,
// session advisory locks in platform_slots): owning handles and one parameterised statement.

#include <initializer_list>
#include <memory>
#include <string>

#include <libpq-fe.h>

namespace tunemantra::persistence::pq {

using connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using result = std::unique_ptr<PGresult, decltype(&PQclear)>;

/// Opens a connection (a libpq connection string or URI); check PQstatus before use.
inline connection connect(const std::string& conninfo) { return connection{PQconnectdb(conninfo.c_str()), &PQfinish}; }

/// Runs `sql` with text parameters $1, $2, ...
result exec(PGconn* c, const std::string& sql, std::initializer_list<std::string> params = {});

/// The statement ran (a command, or a query with rows or none).
bool ok(const result& r);

} // namespace tunemantra::persistence::pq
