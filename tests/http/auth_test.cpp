// Accounts and request protection over real HTTP, on SQLite and on PostgreSQL. Every way a
// request can fail authentication or authorisation has a test here.

#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/http/live_server.hpp"
#include "domain/time.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra::http {
namespace {

using json = nlohmann::json;
using headers = httplib::Headers;

json body_of(const httplib::Result& r) { return json::parse(r->body); }
std::string code_of(const httplib::Result& r) { return body_of(r)["error"]["code"].get<std::string>(); }

/// A browser-like session: the cookie from login and the CSRF token.
struct session {
  std::string cookie;
  std::string csrf;
  headers read() const { return {{"Cookie", cookie}}; }
  headers write() const { return {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}; }
};

class auth_api : public ::testing::TestWithParam<persistence::backend_kind> {
protected:
  void SetUp() override {
    cfg_.database = test::database_config_for(db_.url());
    cfg_.http.port = 0;
    cfg_.http.threads = 8;
    cfg_.auth.scrypt_log_n = 14;
    cfg_.auth.login_max_failures = 3;
    cfg_.rate_limit.auth_burst = 1000; // the rate-limit test lowers it
    cfg_.rate_limit.auth_per_minute = 100000;
    configure(cfg_);
    live_ = std::make_unique<live_server>(cfg_);
    admin_key_ = live_->key_for("root", domain::role::admin);
  }
  virtual void configure(config::config&) {}

  httplib::Client client() { return live_->client(); }
  httplib::Client admin() { return live_->client(admin_key_); }

  httplib::Result register_user(const std::string& name, const std::string& password = "correct horse battery") {
    json b = {{"username", name}, {"email", name + "@example.com"}, {"password", password},
              {"confirmPassword", password}, {"fullName", "Test " + name}};
    return client().Post("/api/auth/register", b.dump(), "application/json");
  }

  session login(const std::string& name, const std::string& password = "correct horse battery") {
    auto r = client().Post("/api/auth/login", json{{"username", name}, {"password", password}}.dump(), "application/json");
    EXPECT_EQ(r->status, 200) << r->body;
    const auto cookie = r->get_header_value("Set-Cookie");
    return {cookie.substr(0, cookie.find(';')), body_of(r)["data"]["csrfToken"].get<std::string>()};
  }

  /// Registers, logs in and creates a key with `scopes`; returns the key.
  std::string user_with_key(const std::string& name, const json& scopes) {
    EXPECT_EQ(register_user(name)->status, 201);
    const auto s = login(name);
    auto r = client().Post("/api/api-keys", s.write(), json{{"name", "k"}, {"scopes", scopes}}.dump(), "application/json");
    EXPECT_EQ(r->status, 201) << r->body;
    return body_of(r)["data"]["key"].get<std::string>();
  }

  test::scratch_database db_{GetParam()};
  config::config cfg_;
  std::unique_ptr<live_server> live_;
  std::string admin_key_;
};

TEST_P(auth_api, registration_creates_an_artist_and_never_shows_a_password) {
  auto r = register_user("Ada.Lovelace");
  ASSERT_EQ(r->status, 201) << r->body;
  const auto user = body_of(r)["data"];
  EXPECT_EQ(user["username"], "Ada.Lovelace");
  EXPECT_EQ(user["role"], "artist");
  EXPECT_EQ(user["status"], "active");
  EXPECT_EQ(r->body.find("password"), std::string::npos);
  EXPECT_EQ(r->body.find("scrypt"), std::string::npos);
  r = register_user("ada.lovelace"); // unique case-insensitively
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(code_of(r), "CONFLICT");
}

TEST_P(auth_api, registration_validates_every_field_with_field_paths) {
  json b = {{"username", "a b"}, {"email", "not-an-email"}, {"password", "short"}, {"confirmPassword", "other"},
            {"fullName", "   "}};
  auto r = client().Post("/api/auth/register", b.dump(), "application/json");
  ASSERT_EQ(r->status, 400);
  EXPECT_EQ(code_of(r), "VALIDATION_ERROR");
  std::set<std::string> fields;
  const auto doc = body_of(r); // keep the document alive while iterating over a part of it
  for (const auto& d : doc["error"]["details"])
    fields.insert(d["field"].get<std::string>());
  EXPECT_EQ(fields, (std::set<std::string>{"username", "email", "password", "confirmPassword", "fullName"}));
  r = client().Post("/api/auth/register", "{}", "application/json");
  EXPECT_EQ(body_of(r)["error"]["details"].size(), 5u); // every missing field named
  r = client().Post("/api/auth/register", json{{"username", 123}, {"email", true}, {"password", json::array()},
                                              {"confirmPassword", nullptr}, {"fullName", json::object()}}.dump(),
                    "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body_of(r)["error"]["details"][0]["message"], "must be a string");
}

TEST_P(auth_api, malformed_bodies_get_clear_4xx_answers) {
  auto c = client();
  auto r = c.Post("/api/auth/register", "{\"username\": ", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(code_of(r), "MALFORMED_JSON");
  r = c.Post("/api/auth/register", std::string("{\"username\": \"ab\xff\xfe\"}"), "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(code_of(r), "MALFORMED_JSON");
  r = c.Post("/api/auth/register", "[1, 2]", "application/json");
  EXPECT_EQ(r->status, 400);
  // NUL in any string, escaped or in a key, nested too: refused with where it is.
  r = c.Post("/api/auth/register", R"({"username": "ab\u0000cd", "password": "x"})", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(code_of(r), "VALIDATION_ERROR");
  EXPECT_EQ(body_of(r)["error"]["details"][0]["field"], "username");
  r = c.Post("/api/auth/register", R"({"meta": {"tags": ["a", "b\u0000"]}})", "application/json");
  EXPECT_EQ(body_of(r)["error"]["details"][0]["field"], "meta.tags[1]");
  r = c.Post("/api/auth/register", R"({"k\u0000": 1})", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(code_of(r), "VALIDATION_ERROR");
  r = c.Post("/api/auth/register", "username=x", "application/x-www-form-urlencoded");
  EXPECT_EQ(r->status, 415);
  EXPECT_EQ(code_of(r), "UNSUPPORTED_MEDIA_TYPE");
  // A field near 1 MiB fits the body limit and is refused by validation; past 1 MiB, by the limit.
  json big = {{"username", std::string(900 * 1024, 'a')}, {"email", "a@b.co"}, {"password", "12345678"},
              {"confirmPassword", "12345678"}, {"fullName", "x"}};
  r = c.Post("/api/auth/register", big.dump(), "application/json");
  EXPECT_EQ(r->status, 400);
  big["username"] = std::string(1024 * 1024, 'a');
  const auto answer = test::raw_http(live_->srv().port(),
                                     "POST /api/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                     "Content-Length: " + std::to_string(big.dump().size()) + "\r\n\r\n",
                                     3s);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer.substr(0, 200);
}

TEST_P(auth_api, sql_in_fields_is_refused_or_stored_verbatim) {
  auto r = register_user("x';DROP TABLE users;--");
  EXPECT_EQ(r->status, 400); // not a valid username
  json b = {{"username", "bobby"}, {"email", "bobby@example.com"}, {"password", "12345678"},
            {"confirmPassword", "12345678"}, {"fullName", "Robert'); DROP TABLE users;--"}};
  r = client().Post("/api/auth/register", b.dump(), "application/json");
  ASSERT_EQ(r->status, 201);
  EXPECT_EQ(body_of(r)["data"]["fullName"], "Robert'); DROP TABLE users;--");
  r = admin().Get("/api/users?search=%27%29%3B%20DROP");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body_of(r)["meta"]["total"], 1);
}

TEST_P(auth_api, login_sets_a_protected_cookie_and_wrong_credentials_look_alike) {
  ASSERT_EQ(register_user("carol")->status, 201);
  auto r = client().Post("/api/auth/login", json{{"username", "carol"}, {"password", "correct horse battery"}}.dump(),
                         "application/json");
  ASSERT_EQ(r->status, 200);
  const auto cookie = r->get_header_value("Set-Cookie");
  EXPECT_TRUE(cookie.starts_with("tm_session="));
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Lax"), std::string::npos);
  EXPECT_NE(cookie.find("Path=/"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos); // not configured here
  EXPECT_FALSE(body_of(r)["data"]["csrfToken"].get<std::string>().empty());
  auto wrong = client().Post("/api/auth/login", json{{"username", "carol"}, {"password", "nope nope"}}.dump(),
                             "application/json");
  auto unknown = client().Post("/api/auth/login", json{{"username", "nobody"}, {"password", "nope nope"}}.dump(),
                               "application/json");
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(code_of(wrong), "INVALID_CREDENTIALS");
  EXPECT_EQ(unknown->status, 401);
  EXPECT_EQ(body_of(unknown)["error"], body_of(wrong)["error"]);
}

TEST_P(auth_api, cookie_sessions_need_csrf_for_changes_and_end_at_logout) {
  ASSERT_EQ(register_user("dave")->status, 201);
  const auto s = login("dave");
  auto c = client();
  auto r = c.Get("/api/auth/me", s.read());
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(body_of(r)["data"]["username"], "dave");
  r = c.Post("/api/api-keys", s.read(), json{{"name", "k"}, {"scopes", {"catalog:read"}}}.dump(), "application/json");
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(code_of(r), "FORBIDDEN"); // no CSRF token
  headers wrong = {{"Cookie", s.cookie}, {"X-CSRF-Token", "forged"}};
  r = c.Post("/api/api-keys", wrong, json{{"name", "k"}, {"scopes", {"catalog:read"}}}.dump(), "application/json");
  EXPECT_EQ(r->status, 403);
  r = c.Post("/api/auth/logout", s.write(), "", "application/json");
  EXPECT_EQ(r->status, 204);
  EXPECT_NE(r->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
  r = c.Get("/api/auth/me", s.read());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(code_of(r), "AUTH_REQUIRED");
  r = c.Get("/api/auth/me", {{"Cookie", "tm_session=made-up-token"}});
  EXPECT_EQ(r->status, 401);
  r = c.Get("/api/auth/me");
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(code_of(r), "AUTH_REQUIRED");
}

TEST_P(auth_api, api_keys_are_shown_once_work_and_stop_at_revocation) {
  const auto key = user_with_key("erin", {"catalog:read", "distribution:read"});
  EXPECT_TRUE(key.starts_with("tm_"));
  auto c = live_->client(key);
  auto r = c.Get("/api/auth/me");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(body_of(r)["data"]["scopes"], json({"catalog:read", "distribution:read"}));
  r = c.Get("/api/api-keys");
  ASSERT_EQ(r->status, 200);
  const auto listed = body_of(r)["data"][0];
  EXPECT_FALSE(listed.contains("key"));
  EXPECT_EQ(r->body.find(key.substr(20)), std::string::npos); // the secret part never again
  EXPECT_TRUE(key.starts_with(listed["prefix"].get<std::string>()));
  EXPECT_FALSE(listed["lastUsedAt"].is_null());
  // A key without keys:write can neither mint keys nor revoke its owner's keys (itself included):
  // a leaked key cannot renew itself.
  r = c.Delete("/api/api-keys/" + std::to_string(listed["id"].get<long long>()));
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(code_of(r), "INSUFFICIENT_SCOPE");
  r = c.Post("/api/api-keys", json{{"name", "renewed"}, {"scopes", {"catalog:read"}}}.dump(), "application/json");
  EXPECT_EQ(r->status, 403);
  // The owner's session may (and so may a key made with keys:write).
  const auto s = login("erin");
  r = client().Post("/api/api-keys", s.write(), json{{"name", "manager"}, {"scopes", {"keys:write"}}}.dump(), "application/json");
  ASSERT_EQ(r->status, 201) << r->body;
  auto manager = live_->client(body_of(r)["data"]["key"].get<std::string>());
  r = manager.Post("/api/api-keys", json{{"name", "more"}, {"scopes", {"catalog:read"}}}.dump(), "application/json");
  EXPECT_EQ(r->status, 403) << "it still cannot mint a scope it does not hold";
  r = manager.Delete("/api/api-keys/" + std::to_string(listed["id"].get<long long>()));
  EXPECT_EQ(r->status, 204);
  r = c.Get("/api/auth/me");
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(code_of(r), "INVALID_API_KEY");
}

TEST_P(auth_api, bad_and_expired_keys_are_refused) {
  auto c = client();
  for (const char* auth : {"Bearer tm_0000000000_nothing", "Bearer garbage", "Basic dXNlcjpwYXNz", "Bearer "}) {
    auto r = c.Get("/api/auth/me", {{"Authorization", auth}});
    EXPECT_EQ(r->status, 401) << auth;
    EXPECT_EQ(code_of(r), "INVALID_API_KEY") << auth;
  }
  // A real key with its last character changed.
  auto tampered = admin_key_;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(live_->client(tampered).Get("/api/auth/me")->status, 401);
  ASSERT_EQ(register_user("frank")->status, 201);
  const auto s = login("frank");
  auto r = c.Post("/api/api-keys", s.write(),
                  json{{"name", "old"}, {"scopes", {"catalog:read"}}, {"expiresAt", "2020-01-01T00:00:00Z"}}.dump(),
                  "application/json");
  EXPECT_EQ(r->status, 400); // must be in the future
  const auto soon = domain::format_rfc3339(domain::now_millis() + 1500);
  r = c.Post("/api/api-keys", s.write(), json{{"name", "brief"}, {"scopes", {"catalog:read"}}, {"expiresAt", soon}}.dump(),
             "application/json");
  ASSERT_EQ(r->status, 201);
  const auto key = body_of(r)["data"]["key"].get<std::string>();
  EXPECT_EQ(live_->client(key).Get("/api/auth/me")->status, 200);
  std::this_thread::sleep_for(1600ms);
  r = live_->client(key).Get("/api/auth/me");
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(code_of(r), "INVALID_API_KEY");
}

TEST_P(auth_api, keys_never_exceed_their_owner_and_scopes_are_enforced) {
  ASSERT_EQ(register_user("gina")->status, 201);
  const auto s = login("gina");
  auto c = client();
  auto r = c.Post("/api/api-keys", s.write(), json{{"name", "k"}, {"scopes", {"admin"}}}.dump(), "application/json");
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(code_of(r), "INSUFFICIENT_SCOPE");
  r = c.Post("/api/api-keys", s.write(), json{{"name", "k"}, {"scopes", {"catalog:delete"}}}.dump(), "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body_of(r)["error"]["details"][0]["field"], "scopes[0]");
  r = c.Post("/api/api-keys", s.write(), json{{"name", "k"}, {"scopes", json::array()}}.dump(), "application/json");
  EXPECT_EQ(r->status, 400);
  // An artist's key cannot reach admin routes, whatever it asks for.
  const auto key = user_with_key("hank", {"catalog:read"});
  r = live_->client(key).Get("/api/users");
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(code_of(r), "INSUFFICIENT_SCOPE");
  EXPECT_EQ(body_of(r)["error"]["details"]["required"], "admin");
  // A key minting a key: only its own scopes.
  r = live_->client(key).Post("/api/api-keys", json{{"name", "k2"}, {"scopes", {"catalog:write"}}}.dump(),
                              "application/json");
  EXPECT_EQ(r->status, 403);
  // Cancelling a job needs the job kind's write scope (a sleep job: admin).
  domain::new_job nj;
  nj.kind = "sleep";
  nj.payload = R"({"steps": 1000, "stepMs": 50})";
  nj.account_id = live_->store().accounts().find_user_by_name("hank")->id;
  const auto job = live_->store().create_job(nj);
  r = live_->client(key).Post("/api/jobs/" + std::to_string(job.id) + "/cancel", "", "application/json");
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(code_of(r), "INSUFFICIENT_SCOPE");
}

TEST_P(auth_api, another_accounts_resources_are_not_found) {
  const auto key_a = user_with_key("ivy", {"distribution:read", "distribution:write"});
  const auto key_b = user_with_key("jack", {"distribution:read", "distribution:write", "keys:write"});
  domain::new_job nj;
  nj.kind = "distribution";
  nj.payload = "{}";
  nj.scheduled_at = domain::now_millis() + 3'600'000; // stays scheduled: no actor touches it
  nj.account_id = live_->store().accounts().find_user_by_name("ivy")->id;
  const auto job = live_->store().create_job(nj);
  const auto path = "/api/jobs/" + std::to_string(job.id);
  auto a = live_->client(key_a);
  auto b = live_->client(key_b);
  EXPECT_EQ(a.Get(path)->status, 200);
  EXPECT_EQ(b.Get(path)->status, 404);
  EXPECT_EQ(code_of(b.Get(path)), "NOT_FOUND");
  EXPECT_EQ(b.Get(path + "/events")->status, 404);
  EXPECT_EQ(b.Post(path + "/cancel", "", "application/json")->status, 404);
  EXPECT_EQ(body_of(b.Get("/api/jobs"))["meta"]["total"], 0);
  EXPECT_EQ(body_of(a.Get("/api/jobs"))["meta"]["total"], 1);
  const auto a_keys = body_of(a.Get("/api/api-keys"))["data"];
  EXPECT_EQ(b.Delete("/api/api-keys/" + std::to_string(a_keys[0]["id"].get<long long>()))->status, 404);
  EXPECT_EQ(a.Get("/api/auth/me")->status, 200); // still valid
  EXPECT_EQ(admin().Get(path)->status, 200);     // admins see every account
  EXPECT_EQ(a.Post(path + "/cancel", "", "application/json")->status, 202);
}

TEST_P(auth_api, admins_manage_users_and_disabling_revokes_at_once) {
  const auto key = user_with_key("kate", {"catalog:read"});
  const auto s = login("kate");
  auto c = admin();
  auto r = c.Get("/api/users?search=kat&limit=1");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(body_of(r)["meta"]["total"], 1);
  const auto id = body_of(r)["data"][0]["id"].get<long long>();
  r = c.Get("/api/users?status=bogus&limit=500");
  EXPECT_EQ(r->status, 400);
  r = c.Patch("/api/users/" + std::to_string(id), json{{"role", "label"}}.dump(), "application/json");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(body_of(r)["data"]["role"], "label");
  r = c.Patch("/api/users/" + std::to_string(id), json{{"role", "emperor"}}.dump(), "application/json");
  EXPECT_EQ(r->status, 400);
  r = c.Patch("/api/users/99999", json{{"status", "disabled"}}.dump(), "application/json");
  EXPECT_EQ(r->status, 404);
  r = c.Patch("/api/users/" + std::to_string(id), json{{"status", "disabled"}}.dump(), "application/json");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(live_->client(key).Get("/api/auth/me")->status, 401);
  EXPECT_EQ(client().Get("/api/auth/me", s.read())->status, 401);
  auto login_again = client().Post("/api/auth/login", json{{"username", "kate"}, {"password", "correct horse battery"}}.dump(),
                                   "application/json");
  EXPECT_EQ(login_again->status, 401);
  const auto me = body_of(c.Get("/api/auth/me"))["data"]["id"].get<long long>();
  r = c.Patch("/api/users/" + std::to_string(me), json{{"role", "artist"}}.dump(), "application/json");
  EXPECT_EQ(r->status, 409); // no self-demotion
}

TEST_P(auth_api, the_audit_log_records_security_events) {
  const auto key = user_with_key("liam", {"catalog:read", "keys:write"});
  client().Post("/api/auth/login", json{{"username", "liam"}, {"password", "wrong password"}}.dump(), "application/json");
  const auto keys = body_of(live_->client(key).Get("/api/api-keys"))["data"];
  live_->client(key).Delete("/api/api-keys/" + std::to_string(keys[0]["id"].get<long long>()));
  const auto id = live_->store().accounts().find_user_by_name("liam")->id;
  admin().Patch("/api/users/" + std::to_string(id), json{{"role", "label"}}.dump(), "application/json");
  auto r = admin().Get("/api/audit?limit=100");
  ASSERT_EQ(r->status, 200);
  std::set<std::string> actions;
  const auto doc = body_of(r);
  for (const auto& e : doc["data"])
    actions.insert(e["action"].get<std::string>());
  for (const char* a : {"register", "login", "login_failed", "key_created", "key_revoked", "role_changed"})
    EXPECT_TRUE(actions.count(a)) << a;
  EXPECT_EQ(live_->client(key).Get("/api/audit")->status, 401); // revoked key
}

TEST_P(auth_api, failed_logins_slow_that_client_down_with_growing_waits_not_the_owner_elsewhere) {
  ASSERT_EQ(register_user("mia")->status, 201);
  auto c = client();
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(c.Post("/api/auth/login", json{{"username", "MIA"}, {"password", "guess " + std::to_string(i)}}.dump(),
                     "application/json")->status, 401);
  // From the guessing client, even the right password waits.
  auto r = c.Post("/api/auth/login", json{{"username", "mia"}, {"password", "correct horse battery"}}.dump(),
                  "application/json");
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(code_of(r), "RATE_LIMIT_EXCEEDED");
  EXPECT_EQ(r->get_header_value("Retry-After"), "1");
  // The owner, from another address, logs in: nobody can lock anybody out.
  const auto body = json{{"username", "mia"}, {"password", "correct horse battery"}}.dump();
  const auto request = "POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                       "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  const auto elsewhere = test::raw_http(live_->srv().port(), request, 5s, "127.0.0.2");
  EXPECT_TRUE(elsewhere.starts_with("HTTP/1.1 200")) << elsewhere.substr(0, 300);
  // The guesser's waits grow: the next failure after the wait costs 2 s.
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(c.Post("/api/auth/login", json{{"username", "mia"}, {"password", "guess 3"}}.dump(), "application/json")->status, 401);
  r = c.Post("/api/auth/login", body, "application/json");
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->get_header_value("Retry-After"), "2");
}

TEST_P(auth_api, behind_a_trusted_proxy_logins_are_throttled_by_the_forwarded_client_address) {
  live_.reset();
  cfg_.http.trusted_proxies = {"127.0.0.1"}; // the tests' client stands in for nginx
  live_ = std::make_unique<live_server>(cfg_);
  ASSERT_EQ(register_user("nell")->status, 201);
  const auto login_as = [&](const std::string& password, const std::string& forwarded_for, const std::string& from) {
    const auto body = json{{"username", "nell"}, {"password", password}}.dump();
    const auto request = "POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         "X-Forwarded-For: " + forwarded_for + "\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\nConnection: close\r\n\r\n" + body;
    const auto answer = test::raw_http(live_->srv().port(), request, 5s, from);
    return answer.size() > 12 ? std::atoi(answer.c_str() + 9) : 0;
  };
  for (int i = 0; i < 3; ++i) // a guesser behind the proxy (which appends what it saw after a forged entry)
    EXPECT_EQ(login_as("guess " + std::to_string(i), "10.9.9.9, 203.0.113.7", "127.0.0.1"), 401);
  EXPECT_EQ(login_as("correct horse battery", "203.0.113.7", "127.0.0.1"), 429); // that client waits ...
  EXPECT_EQ(login_as("correct horse battery", "198.51.100.4", "127.0.0.1"), 200); // ... the owner, elsewhere, does not
  // From an address that is not a trusted proxy, the header is the client's own claim: ignored.
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(login_as("guess " + std::to_string(i), "198.51.100.4", "127.0.0.3"), 401);
  EXPECT_EQ(login_as("correct horse battery", "198.51.100.4", "127.0.0.1"), 200);
  EXPECT_EQ(login_as("correct horse battery", "198.51.100.5", "127.0.0.3"), 429); // 127.0.0.3 itself waits
}

TEST_P(auth_api, idempotency_keys_replay_the_first_answer_and_refuse_another_body) {
  ASSERT_EQ(register_user("nora")->status, 201);
  const auto s = login("nora");
  auto h = s.write();
  h.emplace("Idempotency-Key", "create-key-1");
  const auto body = json{{"name", "once"}, {"scopes", {"catalog:read"}}}.dump();
  auto c = client();
  auto first = c.Post("/api/api-keys", h, body, "application/json");
  ASSERT_EQ(first->status, 201);
  auto second = c.Post("/api/api-keys", h, body, "application/json");
  ASSERT_EQ(second->status, 201);
  EXPECT_EQ(second->body, first->body);
  EXPECT_EQ(second->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(body_of(c.Get("/api/api-keys", s.read()))["data"].size(), 1u); // created once
  auto other = c.Post("/api/api-keys", h, json{{"name", "twice"}, {"scopes", {"catalog:read"}}}.dump(), "application/json");
  EXPECT_EQ(other->status, 409);
  EXPECT_EQ(code_of(other), "CONFLICT");
}

TEST_P(auth_api, a_password_change_ends_every_session) {
  ASSERT_EQ(register_user("omar")->status, 201);
  const auto s1 = login("omar");
  const auto s2 = login("omar");
  auto c = client();
  auto r = c.Post("/api/auth/password", s1.write(),
                  json{{"currentPassword", "wrong"}, {"newPassword", "new password 1"}, {"confirmPassword", "new password 1"}}.dump(),
                  "application/json");
  EXPECT_EQ(r->status, 401);
  r = c.Post("/api/auth/password", s1.write(),
             json{{"currentPassword", "correct horse battery"}, {"newPassword", "new password 1"},
                  {"confirmPassword", "new password 1"}}.dump(),
             "application/json");
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(c.Get("/api/auth/me", s1.read())->status, 401);
  EXPECT_EQ(c.Get("/api/auth/me", s2.read())->status, 401);
  EXPECT_EQ(c.Post("/api/auth/login", json{{"username", "omar"}, {"password", "correct horse battery"}}.dump(),
                   "application/json")->status, 401);
  login("omar", "new password 1");
}

TEST_P(auth_api, sessions_end_after_their_idle_time) {
  ASSERT_EQ(register_user("pia")->status, 201);
  auto& accounts = live_->store().accounts();
  const auto user = accounts.find_user_by_name("pia");
  const auto created = accounts.create_session(user->id, 3'600'000, "127.0.0.1", "test");
  EXPECT_TRUE(accounts.find_session(created.token, 60'000).has_value());
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(accounts.find_session(created.token, 10).has_value()); // idle longer than 10 ms
  const auto brief = accounts.create_session(user->id, 1, "127.0.0.1", "test"); // absolute expiry 1 ms
  std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(accounts.find_session(brief.token, 60'000).has_value());
}

INSTANTIATE_TEST_SUITE_P(backends, auth_api,
                         test::both_backends(), test::backend_name);

/// Login and register share a strict bucket per client.
class auth_rate_limit : public auth_api {
  void configure(config::config& cfg) override {
    cfg.rate_limit.auth_burst = 3;
    cfg.rate_limit.auth_per_minute = 6;
  }
};

TEST_P(auth_rate_limit, the_fourth_login_in_a_burst_gets_429_with_headers) {
  auto c = client();
  for (int i = 0; i < 3; ++i) {
    auto r = c.Post("/api/auth/login", json{{"username", "x"}, {"password", "y"}}.dump(), "application/json");
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(r->get_header_value("RateLimit-Limit"), "3");
    EXPECT_EQ(r->get_header_value("RateLimit-Remaining"), std::to_string(2 - i));
  }
  auto r = c.Post("/api/auth/login", json{{"username", "x"}, {"password", "y"}}.dump(), "application/json");
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(code_of(r), "RATE_LIMIT_EXCEEDED");
  EXPECT_EQ(r->get_header_value("RateLimit-Remaining"), "0");
  // One token per 10 s: the wait is 10 s less the time the three logins took (scrypt is slow
  // under the sanitizers), in whole seconds rounded up.
  const auto retry_after = std::stoi(r->get_header_value("Retry-After"));
  EXPECT_LE(retry_after, 10);
  EXPECT_GE(retry_after, 5);
  EXPECT_FALSE(r->get_header_value("RateLimit-Reset").empty());
  EXPECT_EQ(admin().Get("/api/auth/me")->status, 200); // other groups are unaffected
}

INSTANTIATE_TEST_SUITE_P(backends, auth_rate_limit, ::testing::Values(persistence::backend_kind::sqlite),
                         test::backend_name);

} // namespace
} // namespace tunemantra::http
