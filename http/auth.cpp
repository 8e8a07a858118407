#include "http/auth.hpp"

#include <httplib.h>

#include "domain/crypto.hpp"
#include "domain/time.hpp"

namespace tunemantra::http {

std::string cookie_value(const httplib::Request& req, const std::string& name) {
  const auto header = req.get_header_value("Cookie");
  std::size_t start = 0;
  while (start < header.size()) {
    auto end = header.find(';', start);
    if (end == std::string::npos)
      end = header.size();
    auto item = header.substr(start, end - start);
    item.erase(0, item.find_first_not_of(' '));
    if (item.size() > name.size() && item.compare(0, name.size(), name) == 0 && item[name.size()] == '=')
      return item.substr(name.size() + 1);
    start = end + 1;
  }
  return {};
}

std::optional<principal> authenticate(const httplib::Request& req, persistence::account_store& accounts,
                                      std::int64_t session_idle_ms, auth_failure& why) {
  const auto authorization = req.get_header_value("Authorization");
  if (!authorization.empty()) {
    if (!authorization.starts_with("Bearer ")) {
      why = {"INVALID_API_KEY", "use Authorization: Bearer <api key>"};
      return std::nullopt;
    }
    const auto found = accounts.authenticate_key(authorization.substr(7));
    if (!found) {
      why = {"INVALID_API_KEY", "the API key is unknown, revoked or expired"};
      return std::nullopt;
    }
    principal p;
    p.user = found->user;
    p.key_id = found->key.id;
    // A key never has more power than its owner has now (the owner may have been demoted).
    const auto owner = domain::scopes_of(found->user.user_role);
    for (const auto& s : found->key.scopes)
      if (domain::has_scope(owner, s))
        p.scopes.push_back(s);
    return p;
  }
  const auto token = cookie_value(req, "tm_session");
  if (!token.empty()) {
    const auto session = accounts.find_session(token, session_idle_ms);
    const auto user = session ? accounts.find_user(session->user_id) : std::nullopt;
    if (!session || !user) {
      why = {"AUTH_REQUIRED", "the session has expired or was revoked; log in again"};
      return std::nullopt;
    }
    principal p;
    p.user = *user;
    p.session_id = session->id;
    p.csrf_hash = session->csrf_hash;
    p.scopes = domain::scopes_of(user->user_role);
    return p;
  }
  why = {"AUTH_REQUIRED", "authentication required: a session cookie or an API key"};
  return std::nullopt;
}

bool csrf_ok(const httplib::Request& req, const principal& who) {
  if (!who.session_id)
    return true; // API keys are not sent by browsers on their own
  if (req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS")
    return true;
  const auto token = req.get_header_value("X-CSRF-Token");
  return !token.empty() && domain::crypto::equal_constant_time(domain::crypto::sha256_hex(token), who.csrf_hash);
}

std::string rate_key(const httplib::Request& req) {
  const auto authorization = req.get_header_value("Authorization");
  if (authorization.starts_with("Bearer tm_")) {
    const auto cut = authorization.find('_', 10);
    if (cut != std::string::npos && cut < 40)
      return "key:" + authorization.substr(7, cut - 7);
  }
  return "ip:" + req.remote_addr;
}

nlohmann::json user_json(const domain::user& u) {
  return {{"id", u.id},
          {"username", u.username},
          {"email", u.email},
          {"fullName", u.full_name},
          {"role", domain::to_string(u.user_role)},
          {"status", domain::to_string(u.status)},
          {"createdAt", domain::format_rfc3339(u.created_at)},
          {"updatedAt", domain::format_rfc3339(u.updated_at)}};
}

} // namespace tunemantra::http
