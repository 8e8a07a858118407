#pragma once
// Account entities as the store returns them. No password hash, session token or API key secret
// appears here: they stay inside the store layer (only their hashes are ever stored).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/auth.hpp"
#include "domain/job.hpp"

namespace tunemantra::domain {

struct user {
  std::int64_t id = 0;
  std::string username;
  std::string email;
  std::string full_name;
  role user_role = role::artist;
  user_status status = user_status::active;
  millis created_at = 0;
  millis updated_at = 0;
};

struct new_user {
  std::string username;
  std::string email;
  std::string full_name;
  std::string password; ///< plain; hashed by the store, never kept
  role user_role = role::artist;
};

/// A live session found by its token.
struct session {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string csrf_hash; ///< SHA-256 of the CSRF token
  millis created_at = 0;
  millis last_seen_at = 0;
  millis expires_at = 0;
};

struct api_key {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string name;
  std::string prefix; ///< visible part, e.g. `tm_3fa9c1d2`
  std::vector<std::string> scopes;
  millis created_at = 0;
  std::optional<millis> expires_at;
  std::optional<millis> revoked_at;
  std::optional<millis> last_used_at;
};

struct audit_entry {
  std::int64_t id = 0;
  millis at = 0;
  std::optional<std::int64_t> actor_id;
  std::string action; ///< login, login_failed, register, key_created, key_revoked, role_changed, ...
  std::string target;
  std::string ip;
  std::string details = "null"; ///< JSON text
};

struct user_filter {
  std::optional<user_status> status;
  std::optional<std::string> search; ///< in username, email or full name
  int page = 1;
  int limit = 20;
};

/// A stored answer to a POST with an Idempotency-Key.
struct idempotent_response {
  std::string request_hash;
  int status = 0; ///< 0 while the first request is still running
  std::string body;
  std::string location;
};

} // namespace tunemantra::domain
