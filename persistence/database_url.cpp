#include "persistence/database_url.hpp"

#include <filesystem>
#include <stdexcept>

namespace tunemantra::persistence {
namespace {

std::string redact_password(std::string_view url) {
  // scheme://user:password@host -> scheme://user:***@host
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos)
    return std::string(url);
  const auto auth_start = scheme_end + 3;
  const auto at = url.find('@', auth_start);
  const auto slash = url.find('/', auth_start);
  if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at))
    return std::string(url);
  const auto colon = url.find(':', auth_start);
  if (colon == std::string_view::npos || colon > at)
    return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

} // namespace

database_url parse_database_url(std::string_view url) {
  database_url out;
  if (url.starts_with("sqlite://")) {
    out.backend = backend_kind::sqlite;
    out.target = std::string(url.substr(9));
    if (out.target.empty())
      throw std::invalid_argument("sqlite URL names no file: " + std::string(url));
    out.redacted = std::string(url);
    return out;
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    out.backend = backend_kind::postgresql;
    out.target = std::string(url);
    out.redacted = redact_password(url);
    return out;
  }
  throw std::invalid_argument("unsupported database URL (use sqlite:// or postgresql://): "
                              + redact_password(url));
}

void ensure_database_folder(const database_url& url) {
  if (url.backend != backend_kind::sqlite)
    return;
  const auto parent = std::filesystem::path(url.target).parent_path();
  if (!parent.empty())
    std::filesystem::create_directories(parent);
}

std::string_view to_string(backend_kind b) { return b == backend_kind::sqlite ? "sqlite" : "postgresql"; }

} // namespace tunemantra::persistence
