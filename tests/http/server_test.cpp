// The HTTP front end served for real on 127.0.0.1, on a SQLite store and on PostgreSQL.

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "actors/runtime.hpp"
#include "domain/auth.hpp"
#include "domain/time.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "persistence/store.hpp"
#include "tests/http/live_server.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra::http {

extern const std::string_view openapi_document;

namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

json body_of(const httplib::Result& r) { return json::parse(r->body); }

class http_api : public ::testing::TestWithParam<persistence::backend_kind> {
protected:
  void SetUp() override {
    cfg_.database = test::database_config_for(db_.url());
    cfg_.http.port = 0;
    cfg_.http.threads = 8;
    cfg_.http.cors_origins = {"https://app.example"};
    cfg_.jobs.poll_interval_ms = 50;
    cfg_.auth.scrypt_log_n = 14;
    live_ = std::make_unique<live_server>(cfg_);
    admin_key_ = live_->key_for("root", domain::role::admin);
  }
  httplib::Client admin() { return live_->client(admin_key_); }
  void TearDown() override { live_.reset(); }

  std::int64_t make_job(const std::string& payload = R"({"steps": 1000, "stepMs": 20})") {
    domain::new_job nj;
    nj.kind = "sleep";
    nj.payload = payload;
    return live_->store().create_job(nj).id;
  }

  /// A job due in an hour: nothing changes it meanwhile.
  std::int64_t scheduled_job() {
    domain::new_job later;
    later.kind = "sleep";
    later.payload = R"({"steps": 1})";
    later.scheduled_at = domain::now_millis() + 3'600'000;
    return live_->store().create_job(later).id;
  }

  test::scratch_database db_{GetParam()};
  config::config cfg_;
  std::unique_ptr<live_server> live_;
  std::string admin_key_;
};

TEST_P(http_api, unknown_routes_wrong_methods_and_bad_ids_get_the_error_envelope) {
  auto c = admin();
  auto r = c.Get("/api/nothing");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(body_of(r)["error"]["code"], "NOT_FOUND");
  EXPECT_TRUE(body_of(r)["data"].is_null());
  r = c.Delete("/api/jobs");
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "GET, HEAD");
  EXPECT_EQ(body_of(r)["error"]["code"], "METHOD_NOT_ALLOWED");
  for (const char* path : {"/api/jobs/0", "/api/jobs/-1", "/api/jobs/abc", "/api/jobs/99999999999999999999",
                           "/api/jobs/1%27%20OR%201=1"}) {
    r = c.Get(path);
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_EQ(body_of(r)["error"]["code"], "NOT_FOUND") << path;
  }
}

TEST_P(http_api, every_answer_carries_security_headers_and_a_request_id) {
  auto c = admin();
  auto r = c.Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r->get_header_value("Referrer-Policy"), "no-referrer");
  EXPECT_NE(r->get_header_value("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_FALSE(r->has_header("Strict-Transport-Security")); // plain HTTP
  EXPECT_EQ(r->get_header_value("X-Request-Id").size(), 32u);
  r = c.Get("/api/jobs", {{"X-Request-Id", "trace-abc.123"}});
  EXPECT_EQ(r->get_header_value("X-Request-Id"), "trace-abc.123");
  r = c.Get("/api/jobs", {{"X-Request-Id", "bad id with spaces\"<script>"}});
  EXPECT_EQ(r->get_header_value("X-Request-Id").size(), 32u); // replaced, not echoed
  r = c.Get("/api/missing", {{"X-Request-Id", "err-1"}});
  EXPECT_EQ(r->get_header_value("X-Request-Id"), "err-1");
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
}

TEST_P(http_api, cors_allows_only_configured_origins) {
  auto c = admin();
  auto r = c.Get("/api/jobs", {{"Origin", "https://app.example"}});
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "https://app.example");
  r = c.Get("/api/jobs", {{"Origin", "https://evil.example"}});
  EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin"));
  r = c.Options("/api/jobs/1/cancel", {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Methods"), "POST");
  r = c.Options("/api/jobs/1/cancel", {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(r->status, 403);
}

TEST_P(http_api, a_body_over_the_route_limit_is_refused_before_it_is_read) {
  // Only the headers are sent: a server that tried to read the announced body would wait for it
  // until the read timeout instead of answering at once.
  const auto answer = test::raw_http(live_->srv().port(),
                                     "POST /api/jobs/1/cancel HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                     "Content-Length: "
                                       + std::to_string(cfg_.http.max_body_bytes + 1) + "\r\n\r\n",
                                     3s);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer;
  EXPECT_NE(answer.find(R"("code":"PAYLOAD_TOO_LARGE")"), std::string::npos) << answer;
  EXPECT_NE(answer.find(R"("limit":)" + std::to_string(cfg_.http.max_body_bytes)), std::string::npos) << answer;
  // A body within the limit is read and served as usual.
  auto c = admin();
  EXPECT_EQ(c.Post("/api/jobs/987/cancel", std::string(1000, ' '), "application/json")->status, 404);
}

TEST_P(http_api, malformed_requests_get_a_4xx) {
  const auto answer = test::raw_http(live_->srv().port(), "GARBAGE\r\n\r\n", 3s);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 4")) << answer;
}

TEST_P(http_api, a_job_reads_with_etag_304_and_retry_after) {
  const auto id = make_job();
  auto c = admin();
  const auto path = "/api/jobs/" + std::to_string(id);
  auto r = c.Get(path);
  ASSERT_EQ(r->status, 200);
  const auto job = body_of(r)["data"];
  EXPECT_EQ(job["id"], id);
  EXPECT_EQ(job["kind"], "sleep");
  EXPECT_TRUE(job["progress"].contains("done"));
  EXPECT_EQ(job["links"]["self"], path);
  EXPECT_EQ(r->get_header_value("Retry-After"), "2");
  const auto etag = r->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  // Same version: 304 without a body. The job moves on (steps every 20 ms), so retry until the
  // version we hold is current, which the first answer after a fresh GET almost always is.
  bool saw_304 = false;
  for (int i = 0; i < 20 && !saw_304; ++i) {
    auto fresh = c.Get(path);
    auto again = c.Get(path, {{"If-None-Match", fresh->get_header_value("ETag")}});
    if (again->status == 304) {
      saw_304 = true;
      EXPECT_TRUE(again->body.empty());
    }
  }
  EXPECT_TRUE(saw_304);
  std::this_thread::sleep_for(100ms); // a few more steps: the version changed
  r = c.Get(path, {{"If-None-Match", etag}});
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("ETag"), etag);
}

TEST_P(http_api, a_long_poll_answers_within_200_ms_of_a_change) {
  const auto id = make_job(R"({"steps": 4, "stepMs": 700})");
  auto c = admin();
  const auto path = "/api/jobs/" + std::to_string(id);
  for (int i = 0; i < 3; ++i) { // a few changes in a row, each pushed to the waiting client
    auto now = c.Get(path);
    ASSERT_EQ(now->status, 200);
    if (body_of(now)["data"]["status"] == "succeeded")
      break;
    const auto etag = now->get_header_value("ETag");
    const auto asked = domain::now_millis();
    auto r = c.Get(path + "?waitSeconds=10", {{"If-None-Match", etag}});
    const auto answered = domain::now_millis();
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_NE(r->get_header_value("ETag"), etag);
    const auto changed = domain::parse_rfc3339(body_of(r)["data"]["updatedAt"].get<std::string>());
    ASSERT_TRUE(changed);
    EXPECT_GE(*changed, asked - 5);
    EXPECT_LT(answered - *changed, 200) << "the change was pushed " << (answered - *changed) << " ms late";
  }
}

TEST_P(http_api, a_long_poll_without_a_change_times_out_and_a_finished_job_answers_at_once) {
  const auto waiting = scheduled_job();
  auto c = admin();
  const auto path = "/api/jobs/" + std::to_string(waiting);
  const auto etag = c.Get(path)->get_header_value("ETag");
  auto asked = std::chrono::steady_clock::now();
  auto r = c.Get(path + "?waitSeconds=1", {{"If-None-Match", etag}});
  EXPECT_EQ(r->status, 304);
  EXPECT_GE(std::chrono::steady_clock::now() - asked, 950ms);
  asked = std::chrono::steady_clock::now();
  r = c.Get(path + "?waitSeconds=1"); // no If-None-Match: waits for a change from now, then the job
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - asked, 950ms);

  const auto done = make_job(R"({"steps": 1, "stepMs": 1})");
  for (int i = 0; i < 100 && body_of(c.Get("/api/jobs/" + std::to_string(done)))["data"]["status"] != "succeeded"; ++i)
    std::this_thread::sleep_for(20ms);
  const auto done_path = "/api/jobs/" + std::to_string(done);
  const auto done_etag = c.Get(done_path)->get_header_value("ETag");
  asked = std::chrono::steady_clock::now();
  r = c.Get(done_path + "?waitSeconds=30", {{"If-None-Match", done_etag}});
  EXPECT_EQ(r->status, 304);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s); // a finished job never changes: no wait
  EXPECT_FALSE(r->has_header("Retry-After"));

  for (const char* bad : {"?waitSeconds=61", "?waitSeconds=-1", "?waitSeconds=x"}) {
    r = c.Get(path + bad);
    EXPECT_EQ(r->status, 400) << bad;
    EXPECT_EQ(body_of(r)["error"]["code"], "VALIDATION_ERROR");
  }
}

TEST_P(http_api, long_polls_past_the_cap_get_503_and_ordinary_requests_still_flow) {
  const auto id = scheduled_job();
  const auto path = "/api/jobs/" + std::to_string(id) + "?waitSeconds=3";
  // 8 HTTP threads: at most 4 long-polls wait at once.
  std::vector<std::thread> waiting;
  std::atomic<int> not_modified{0};
  for (int i = 0; i < 4; ++i)
    waiting.emplace_back([&] {
      auto c = admin();
      auto r = c.Get(path);
      if (r && r->status == 200)
        ++not_modified;
    });
  for (int i = 0; i < 200 && live_->store().changes().watching() < 4; ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(live_->store().changes().watching(), 4u);
  auto c = admin();
  auto r = c.Get(path);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(body_of(r)["error"]["code"], "UNAVAILABLE");
  EXPECT_EQ(r->get_header_value("Retry-After"), "1");
  const auto asked = std::chrono::steady_clock::now();
  r = c.Get("/api/jobs");
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s);
  for (auto& t : waiting)
    t.join();
  EXPECT_EQ(not_modified, 4); // each waited out its 3 s and got the unchanged job
  EXPECT_EQ(live_->store().changes().watching(), 0u);
}

TEST_P(http_api, cancel_stops_the_job_and_a_second_cancel_is_a_conflict) {
  const auto id = make_job();
  auto c = admin();
  const auto path = "/api/jobs/" + std::to_string(id);
  std::this_thread::sleep_for(150ms);
  auto r = c.Post(path + "/cancel", "", "application/json");
  ASSERT_EQ(r->status, 202);
  EXPECT_EQ(body_of(r)["data"]["status"], "cancelled");
  const auto steps = live_->store().sleep_steps(id).size();
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(live_->store().sleep_steps(id).size(), steps); // the actor stopped
  r = c.Get(path);
  EXPECT_FALSE(r->has_header("Retry-After"));
  r = c.Post(path + "/cancel", "", "application/json");
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(body_of(r)["error"]["code"], "INVALID_STATE");
  EXPECT_EQ(body_of(r)["error"]["details"]["status"], "cancelled");
  EXPECT_EQ(c.Post("/api/jobs/987654/cancel", "", "application/json")->status, 404);
  r = c.Get(path + "/events");
  ASSERT_EQ(r->status, 200);
  const auto events = body_of(r)["data"];
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "created");
  EXPECT_EQ(events.back()["message"], "running -> cancelled: cancelled by request");
}

TEST_P(http_api, job_lists_filter_page_and_validate) {
  for (int i = 0; i < 3; ++i)
    make_job(R"({"steps": 1, "stepMs": 0})");
  auto c = admin();
  auto r = c.Get("/api/jobs?limit=2&page=1&kind=sleep");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(body_of(r)["meta"]["total"], 3);
  EXPECT_EQ(body_of(r)["data"].size(), 2u);
  r = c.Get("/api/jobs?kind=nothing");
  EXPECT_EQ(body_of(r)["meta"]["total"], 0);
  r = c.Get("/api/jobs?limit=0&page=x&status=done&createdFrom=yesterday");
  ASSERT_EQ(r->status, 400);
  const auto details = body_of(r)["error"]["details"];
  std::set<std::string> fields;
  for (const auto& d : details)
    fields.insert(d["field"].get<std::string>());
  EXPECT_EQ(fields, (std::set<std::string>{"limit", "page", "status", "createdFrom"}));
}

TEST_P(http_api, metrics_show_requests_jobs_restarts_and_the_pool) {
  make_job(R"({"steps": 1, "stepMs": 0})");
  auto c = admin();
  c.Get("/api/jobs");
  // A request is counted by the access logger, just after its answer was sent: wait for it.
  auto r = c.Get("/metrics");
  for (int i = 0; i < 100 && r->body.find("route=\"/api/jobs\",method=\"GET\",status=\"200\"") == std::string::npos; ++i) {
    std::this_thread::sleep_for(20ms);
    r = c.Get("/metrics");
  }
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  const auto& text = r->body;
  for (const char* needle :
       {"tunemantra_http_requests_total{route=\"/api/jobs\",method=\"GET\",status=\"200\"} 1",
        "tunemantra_http_request_duration_seconds_bucket{route=\"/api/jobs\",method=\"GET\",le=\"+Inf\"} 1",
        "tunemantra_jobs{kind=\"sleep\",status=", "tunemantra_actor_restarts_total 0",
        "tunemantra_db_pool_connections{state=\"in_use\"}", "tunemantra_job_actors "})
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
}

TEST_P(http_api, readiness_and_liveness_answer) {
  auto c = live_->client();
  EXPECT_EQ(c.Get("/healthz")->status, 200);
  auto r = c.Get("/readyz");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body_of(r)["supervisor"], "ok");
}

TEST_P(http_api, the_openapi_document_lists_exactly_the_served_routes) {
  auto c = live_->client();
  auto r = c.Get("/api/openapi.json");
  ASSERT_EQ(r->status, 200);
  const auto doc = body_of(r);
  EXPECT_TRUE(doc["openapi"].get<std::string>().starts_with("3."));
  std::set<std::string> documented, served;
  for (const auto& [path, ops] : doc["paths"].items())
    for (const auto& [method, op] : ops.items()) {
      std::string upper = method;
      for (auto& ch : upper)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      documented.insert(upper + " " + path);
    }
  for (const auto& route : live_->srv().routes().routes())
    served.insert(route.method + " " + route.path);
  EXPECT_EQ(documented, served);
  // The connector schema is the registry's: one entry per connector type, each naming its type.
  std::set<std::string> types;
  for (const auto& one : doc["components"]["schemas"]["Connector"]["oneOf"])
    types.insert(one["properties"]["type"]["enum"][0].get<std::string>());
  EXPECT_EQ(types, (std::set<std::string>{"ddex-folder", "http", "sftp"}));
}

INSTANTIATE_TEST_SUITE_P(backends, http_api,
                         test::both_backends(), test::backend_name);

TEST(router_matching, ids_must_be_positive_integers_and_methods_are_listed) {
  router r{1024};
  r.add("GET", "/api/jobs/{id}", access::user(), [](auto&, auto&, auto&) {});
  r.add("POST", "/api/jobs/{id}/cancel", access::user(), [](auto&, auto&, auto&) {}, 10);
  path_params p;
  ASSERT_NE(r.match("GET", "/api/jobs/42", p), nullptr);
  EXPECT_EQ(p, path_params{"42"});
  EXPECT_EQ(r.match("GET", "/api/jobs/042", p), nullptr);
  EXPECT_EQ(r.match("GET", "/api/jobs/42/", p), nullptr);
  EXPECT_EQ(r.match("GET", "/api/jobs", p), nullptr);
  EXPECT_EQ(r.match("PUT", "/api/jobs/1", p), nullptr);
  EXPECT_EQ(r.methods_for("/api/jobs/7"), (std::vector<std::string>{"GET", "HEAD"}));
  EXPECT_EQ(r.match("POST", "/api/jobs/7/cancel", p)->max_body, 10u);
  EXPECT_EQ(r.match("GET", "/api/jobs/7", p)->max_body, 1024u);
  EXPECT_EQ(r.largest_body(), 1024u);
}

TEST(tls, https_answers_carry_hsts) {
  test::temp_dir dir;
  const auto cert = (dir.path() / "cert.pem").string(), key = (dir.path() / "key.pem").string();
  test::process openssl{"/usr/bin/openssl",
                        {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                         "-subj", "/CN=127.0.0.1"}};
  ASSERT_EQ(openssl.wait(60s), 0) << openssl.err();
  config::config cfg;
  cfg.database = test::database_config_for("sqlite://" + (dir.path() / "tm.db").string());
  cfg.http.port = 0;
  cfg.http.tls_cert_file = cert;
  cfg.http.tls_key_file = key;
  live_server live{cfg};
  httplib::SSLClient c("127.0.0.1", live.srv().port());
  c.enable_server_certificate_verification(false);
  auto r = c.Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Strict-Transport-Security"), "max-age=31536000; includeSubDomains");
}

} // namespace
} // namespace tunemantra::http
