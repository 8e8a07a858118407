#pragma once
// Versioned schema migrations: numbered SQL files per backend (persistence/migrations/<backend>/
// NNNN_name.sql), compiled into the binary, each applied in its own transaction and recorded in
// schema_migrations. A database migrated by a newer binary is refused.

#include <string>
#include <string_view>
#include <vector>

#include "persistence/database_url.hpp"

namespace soci {
class session;
}

namespace tunemantra::persistence {

struct migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

/// The migrations compiled in for `backend`, in version order.
const std::vector<migration>& embedded_migrations(backend_kind backend);

/// The highest version compiled in for `backend`.
int latest_schema_version(backend_kind backend);

/// Splits a migration into statements at `;` outside quotes and comments.
std::vector<std::string> split_statements(std::string_view sql);

/// The version recorded in the database (0 for an empty one).
int current_schema_version(soci::session& s);

/// Applies every pending migration; returns how many ran. Throws schema_too_new.
int migrate(soci::session& s, backend_kind backend);

} // namespace tunemantra::persistence
