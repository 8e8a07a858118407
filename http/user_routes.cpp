// Admin: user management and the audit log.

#include <httplib.h>

#include "domain/time.hpp"
#include "http/auth.hpp"
#include "http/envelope.hpp"
#include "http/query.hpp"
#include "http/router.hpp"
#include "http/services.hpp"
#include "http/validate.hpp"

namespace tunemantra::http {
namespace {

void list_users(services& s, const httplib::Request& req, httplib::Response& res) {
  query q{req};
  domain::user_filter f;
  q.paging(f.page, f.limit);
  if (auto status = q.text("status", 16)) {
    f.status = domain::parse_user_status(*status);
    if (!f.status)
      q.invalid("status", "must be active or disabled");
  }
  f.search = q.text("search", 100);
  if (!q.ok())
    return send_error(res, "VALIDATION_ERROR", "invalid query parameters", q.details());
  const auto page = s.accounts().list_users(f);
  nlohmann::json items = nlohmann::json::array();
  for (const auto& u : page.items)
    items.push_back(user_json(u));
  send_data(res, 200, std::move(items), {{"page", page.page}, {"limit", page.limit}, {"total", page.total}});
}

void patch_user(services& s, const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
  const auto id = std::stoll(ctx.params[0]);
  auto body = json_body::parse(req, res);
  if (!body)
    return;
  std::optional<domain::role> role;
  std::optional<domain::user_status> status;
  if (auto text = body->string("role", false, 1, 16)) {
    role = domain::parse_role(*text);
    if (!role)
      body->invalid("role", "must be admin, label or artist");
  }
  if (auto text = body->string("status", false, 1, 16)) {
    status = domain::parse_user_status(*text);
    if (!status)
      body->invalid("status", "must be active or disabled");
  }
  if (body->ok() && !role && !status)
    body->invalid("", "give role and/or status");
  if (body->reply_if_invalid(res))
    return;
  const auto before = s.accounts().find_user(id);
  if (!before)
    return send_error(res, "NOT_FOUND", "no user " + ctx.params[0]);
  if (id == ctx.who->user.id && ((role && *role != domain::role::admin) || status == domain::user_status::disabled))
    return send_error(res, "INVALID_STATE", "an admin cannot demote or disable themselves");
  const auto after = s.accounts().update_user(id, role, status);
  if (role && *role != before->user_role)
    audit(s, req, ctx.who, "role_changed", before->username,
          {{"userId", id}, {"from", domain::to_string(before->user_role)}, {"to", domain::to_string(*role)}});
  if (status && *status != before->status)
    audit(s, req, ctx.who, status == domain::user_status::disabled ? "user_disabled" : "user_enabled",
          before->username, {{"userId", id}});
  send_data(res, 200, user_json(*after));
}

} // namespace

void add_user_routes(router& r, services& s) {
  r.add("GET", "/api/users", access::needs("admin"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx&) { list_users(s, req, res); });
  r.add("GET", "/api/users/{id}", access::needs("admin"),
        [&s](const httplib::Request&, httplib::Response& res, const request_ctx& ctx) {
          const auto user = s.accounts().find_user(std::stoll(ctx.params[0]));
          if (!user)
            return send_error(res, "NOT_FOUND", "no user " + ctx.params[0]);
          send_data(res, 200, user_json(*user));
        });
  r.add("PATCH", "/api/users/{id}", access::needs("admin"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          patch_user(s, req, res, ctx);
        });
  r.add("GET", "/api/audit", access::needs("admin"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx&) {
          query q{req};
          int page = 1, limit = 20;
          q.paging(page, limit);
          if (!q.ok())
            return send_error(res, "VALIDATION_ERROR", "invalid query parameters", q.details());
          const auto entries = s.accounts().list_audit(page, limit);
          nlohmann::json items = nlohmann::json::array();
          for (const auto& e : entries.items)
            items.push_back({{"id", e.id},
                             {"at", domain::format_rfc3339(e.at)},
                             {"actorId", e.actor_id ? nlohmann::json(*e.actor_id) : nlohmann::json(nullptr)},
                             {"action", e.action},
                             {"target", e.target},
                             {"ip", e.ip},
                             {"details", nlohmann::json::parse(e.details, nullptr, false)}});
          send_data(res, 200, std::move(items),
                    {{"page", entries.page}, {"limit", entries.limit}, {"total", entries.total}});
        });
}

} // namespace tunemantra::http
