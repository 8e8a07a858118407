// Registration, login, logout, me and password change.

#include <httplib.h>

#include "domain/log.hpp"
#include "domain/time.hpp"
#include "http/auth.hpp"
#include "http/envelope.hpp"
#include "http/router.hpp"
#include "http/services.hpp"
#include "http/validate.hpp"

namespace tunemantra::http {
namespace {

std::string session_cookie(const std::string& token, long long max_age_s, bool secure) {
  return "tm_session=" + token + "; Path=/; Max-Age=" + std::to_string(max_age_s) + "; HttpOnly; SameSite=Lax"
         + (secure ? "; Secure" : "");
}

void login(services& s, const httplib::Request& req, httplib::Response& res) {
  auto body = json_body::parse(req, res);
  if (!body)
    return;
  const auto username = body->string("username", true, 1, 64);
  const auto password = body->string("password", true, 1, 256);
  if (body->reply_if_invalid(res))
    return;
  auto& accounts = s.accounts();
  const auto& a = s.cfg.auth;
  // Throttled per (username, client address): a stranger's wrong guesses slow that stranger down,
  // never the account's owner elsewhere.
  const auto who = *username + "\n" + req.remote_addr;
  if (const auto locked = accounts.login_locked_for(who); locked > 0) {
    const auto seconds = (locked + 999) / 1000;
    res.set_header("Retry-After", std::to_string(seconds));
    audit(s, req, nullptr, "login_locked", *username);
    return send_error(res, "RATE_LIMIT_EXCEEDED", "too many failed logins for this user from here; retry later",
                      {{"retryAfterSeconds", seconds}});
  }
  const auto user = accounts.check_password(*username, *password, s.scrypt());
  if (!user) {
    accounts.login_failed(who, a.login_max_failures, a.login_window_s * 1000LL, a.login_lock_s * 1000LL);
    audit(s, req, nullptr, "login_failed", *username);
    return send_error(res, "INVALID_CREDENTIALS", "wrong username or password");
  }
  accounts.login_succeeded(who);
  const long long ttl_ms = a.session_absolute_hours * 3'600'000LL;
  const auto created = accounts.create_session(user->id, ttl_ms, req.remote_addr, req.get_header_value("User-Agent"));
  audit(s, req, nullptr, "login", user->username, {{"userId", user->id}});
  res.set_header("Set-Cookie", session_cookie(created.token, ttl_ms / 1000, s.cfg.http.cookie_secure));
  send_data(res, 200, {{"user", user_json(*user)}, {"csrfToken", created.csrf_token}});
}

void register_user(services& s, const httplib::Request& req, httplib::Response& res) {
  auto body = json_body::parse(req, res);
  if (!body)
    return;
  auto username = body->string("username", true, 1, 64);
  auto email = body->string("email", true, 1, 254);
  auto password = body->string("password", true, 1, 256);
  auto confirm = body->string("confirmPassword", true, 1, 256);
  auto full_name = body->string("fullName", true, 1, 100);
  if (username)
    body->check("username", domain::check_username(*username));
  if (email)
    body->check("email", domain::check_email(*email));
  if (password)
    body->check("password", domain::check_password(*password));
  if (password && confirm && *password != *confirm)
    body->invalid("confirmPassword", "must equal password");
  if (full_name)
    body->check("fullName", domain::check_full_name(*full_name));
  if (body->reply_if_invalid(res))
    return;
  domain::new_user nu{*username, *email, *full_name, *password, domain::role::artist};
  const auto user = s.accounts().create_user(nu, s.scrypt());
  if (!user)
    return send_error(res, "CONFLICT", "that username is taken",
                      nlohmann::json::array({{{"field", "username"}, {"message", "is taken"}}}));
  audit(s, req, nullptr, "register", user->username, {{"userId", user->id}});
  res.set_header("Location", "/api/users/" + std::to_string(user->id));
  send_data(res, 201, user_json(*user));
}

void change_password(services& s, const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
  auto body = json_body::parse(req, res);
  if (!body)
    return;
  auto current = body->string("currentPassword", true, 1, 256);
  auto next = body->string("newPassword", true, 1, 256);
  auto confirm = body->string("confirmPassword", true, 1, 256);
  if (next)
    body->check("newPassword", domain::check_password(*next));
  if (next && confirm && *next != *confirm)
    body->invalid("confirmPassword", "must equal newPassword");
  if (body->reply_if_invalid(res))
    return;
  if (!s.accounts().check_password(ctx.who->user.username, *current, s.scrypt()))
    return send_error(res, "INVALID_CREDENTIALS", "the current password is wrong");
  s.accounts().set_password(ctx.who->user.id, *next, s.scrypt()); // revokes every session
  audit(s, req, ctx.who, "password_changed", ctx.who->user.username);
  res.set_header("Set-Cookie", session_cookie("", 0, s.cfg.http.cookie_secure));
  res.status = 204;
}

} // namespace

void audit(services& s, const httplib::Request& req, const principal* who, std::string action, std::string target,
           nlohmann::json details) {
  try {
    domain::audit_entry e;
    e.at = domain::now_millis();
    if (who)
      e.actor_id = who->user.id;
    e.action = std::move(action);
    e.target = std::move(target);
    e.ip = req.remote_addr;
    e.details = details.dump();
    s.accounts().audit(e);
  } catch (const std::exception& e) {
    log::warn("audit record failed", {{"error", e.what()}});
  }
}

void add_auth_routes(router& r, services& s) {
  r.add("POST", "/api/auth/register", access::anyone("auth"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx&) { register_user(s, req, res); });
  r.add("POST", "/api/auth/login", access::anyone("auth"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx&) { login(s, req, res); });
  r.add("POST", "/api/auth/logout", access::user(),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          if (ctx.who->session_id)
            s.accounts().revoke_session(*ctx.who->session_id);
          audit(s, req, ctx.who, "logout", ctx.who->user.username);
          res.set_header("Set-Cookie", session_cookie("", 0, s.cfg.http.cookie_secure));
          res.status = 204;
        });
  r.add("GET", "/api/auth/me", access::user(),
        [](const httplib::Request&, httplib::Response& res, const request_ctx& ctx) {
          auto data = user_json(ctx.who->user);
          data["scopes"] = ctx.who->scopes;
          send_data(res, 200, std::move(data));
        });
  r.add("POST", "/api/auth/password", access::user(),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          change_password(s, req, res, ctx);
        });
}

} // namespace tunemantra::http
