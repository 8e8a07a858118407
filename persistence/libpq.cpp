#include "persistence/libpq.hpp"

#include <vector>

namespace tunemantra::persistence::pq {

result exec(PGconn* c, const std::string& sql, std::initializer_list<std::string> params) {
  std::vector<const char*> values;
  for (const auto& p : params)
    values.push_back(p.c_str());
  return result{PQexecParams(c, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0),
                &PQclear};
}

bool ok(const result& r) {
  const auto status = PQresultStatus(r.get());
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

} // namespace tunemantra::persistence::pq
