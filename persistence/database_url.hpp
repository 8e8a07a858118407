#pragma once
// Database URLs: `sqlite://relative/path`, `sqlite:///absolute/path`, `postgresql://...`.

#include <string>
#include <string_view>

namespace tunemantra::persistence {

enum class backend_kind { sqlite, postgresql };

struct database_url {
  backend_kind backend = backend_kind::sqlite;
  std::string target;   ///< SQLite: the file path; PostgreSQL: the libpq connection URI
  std::string redacted; ///< the URL with any password replaced by `***`, safe for logs
};

/// Parses a URL; throws std::invalid_argument naming what is wrong.
database_url parse_database_url(std::string_view url);

std::string_view to_string(backend_kind b);

/// For a SQLite URL, creates the folder that will hold the file (nothing for PostgreSQL).
void ensure_database_folder(const database_url& url);

} // namespace tunemantra::persistence
