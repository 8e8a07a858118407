// API keys: create (the secret is shown once), list (no secrets), revoke. Creating and revoking
// need `keys:write`: a logged-in session has it (every role does), an API key only when it was
// made with it, so a leaked key cannot renew itself or revoke its owner's other keys.

#include <httplib.h>

#include "domain/time.hpp"
#include "http/auth.hpp"
#include "http/envelope.hpp"
#include "http/router.hpp"
#include "http/services.hpp"
#include "http/validate.hpp"

namespace tunemantra::http {
namespace {

nlohmann::json key_json(const domain::api_key& k) {
  return {{"id", k.id},
          {"name", k.name},
          {"scopes", k.scopes},
          {"prefix", k.prefix},
          {"createdAt", domain::format_rfc3339(k.created_at)},
          {"expiresAt", time_or_null(k.expires_at)},
          {"revokedAt", time_or_null(k.revoked_at)},
          {"lastUsedAt", time_or_null(k.last_used_at)}};
}

void create_key(services& s, const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
  auto body = json_body::parse(req, res);
  if (!body)
    return;
  const auto name = body->string("name", true, 1, 100);
  const auto scopes = body->strings("scopes", true, 16);
  const auto expires = body->time("expiresAt", false);
  if (scopes) {
    if (scopes->empty())
      body->invalid("scopes", "must name at least one scope");
    for (std::size_t i = 0; i < scopes->size(); ++i) {
      const auto& scope = (*scopes)[i];
      const auto field = "scopes[" + std::to_string(i) + "]";
      if (!domain::is_scope(scope))
        body->invalid(field, "unknown scope " + scope);
    }
  }
  if (expires && *expires <= domain::now_millis())
    body->invalid("expiresAt", "must be in the future");
  if (body->reply_if_invalid(res))
    return;
  // A key never gets more power than the caller has (a key can only mint weaker keys).
  for (const auto& scope : *scopes)
    if (!ctx.who->can(scope))
      return send_error(res, "INSUFFICIENT_SCOPE", "you do not hold the scope " + scope, {{"required", scope}});
  const auto created = s.accounts().create_key(ctx.who->user.id, *name, *scopes, expires);
  audit(s, req, ctx.who, "key_created", created.key.prefix, {{"keyId", created.key.id}, {"scopes", *scopes}});
  auto data = key_json(created.key);
  data["key"] = created.secret;
  res.set_header("Location", "/api/api-keys/" + std::to_string(created.key.id));
  send_data(res, 201, std::move(data));
}

} // namespace

void add_key_routes(router& r, services& s) {
  r.add("POST", "/api/api-keys", access::needs("keys:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          create_key(s, req, res, ctx);
        });
  r.add("GET", "/api/api-keys", access::user(),
        [&s](const httplib::Request&, httplib::Response& res, const request_ctx& ctx) {
          nlohmann::json items = nlohmann::json::array();
          for (const auto& k : s.accounts().list_keys(ctx.who->user.id))
            items.push_back(key_json(k));
          send_data(res, 200, std::move(items), {{"total", items.size()}});
        });
  r.add("DELETE", "/api/api-keys/{id}", access::needs("keys:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          const auto id = std::stoll(ctx.params[0]);
          if (!s.accounts().revoke_key(ctx.who->user.id, id))
            return send_error(res, "NOT_FOUND", "no API key " + ctx.params[0]);
          audit(s, req, ctx.who, "key_revoked", ctx.params[0], {{"keyId", id}});
          res.status = 204;
        });
}

} // namespace tunemantra::http
