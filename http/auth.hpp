#pragma once
// Who is calling: an API key (`Authorization: Bearer tm_...`) or a session cookie (`tm_session`),
// resolved against the store for every request, so revocation takes effect on the next request.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/account.hpp"
#include "persistence/account_store.hpp"

namespace httplib {
struct Request;
}

namespace tunemantra::http {

struct principal {
  domain::user user;
  std::vector<std::string> scopes;       ///< what this request may do
  std::optional<std::int64_t> key_id;     ///< set when authenticated by API key
  std::optional<std::int64_t> session_id; ///< set when authenticated by cookie
  std::string csrf_hash;                  ///< the session's, for the CSRF check

  bool is_admin() const { return user.user_role == domain::role::admin; }
  bool can(const std::string& scope) const { return domain::has_scope(scopes, scope); }
};

/// Why authentication failed: an API error code and a message.
struct auth_failure {
  std::string code;
  std::string message;
};

/// Resolves the caller; on failure fills `why` (401 codes) and returns nullopt.
std::optional<principal> authenticate(const httplib::Request& req, persistence::account_store& accounts,
                                      std::int64_t session_idle_ms, auth_failure& why);

/// Whether a cookie-authenticated request that changes state carries the right X-CSRF-Token.
bool csrf_ok(const httplib::Request& req, const principal& who);

/// The value of one cookie, or empty.
std::string cookie_value(const httplib::Request& req, const std::string& name);

/// A client key for rate limiting: the API key's public prefix when one is presented, else the IP.
std::string rate_key(const httplib::Request& req);

/// The public view of a user (never a password or hash).
nlohmann::json user_json(const domain::user& u);

} // namespace tunemantra::http
