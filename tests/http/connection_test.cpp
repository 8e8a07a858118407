// The connection loop of http/connection.cpp against the real server on 127.0.0.1, on raw
// sockets: a declared body is read or dropped before the next request, ambiguous framing is
// refused with the connection closed, and a request smuggled inside a body never runs.

#include <chrono>

#include <gtest/gtest.h>

#include "domain/auth.hpp"
#include "domain/time.hpp"
#include "tests/http/live_server.hpp"
#include "tests/support/test_support.hpp"
#include "http/connection.hpp"

namespace tunemantra::http {
namespace {

using namespace std::chrono_literals;
using statuses = std::vector<int>;

class connection_loop_test : public ::testing::Test {
protected:
  void SetUp() override {
    cfg_.database = test::database_config_for(db_.url());
    cfg_.http.port = 0;
    cfg_.http.threads = 8;
    cfg_.auth.scrypt_log_n = 14;
    live_ = std::make_unique<live_server>(cfg_);
    key_ = live_->key_for("root", domain::role::admin);
    domain::new_job later; // due in an hour: only a cancel can change it
    later.kind = "sleep";
    later.payload = R"({"steps": 1})";
    later.scheduled_at = domain::now_millis() + 3'600'000;
    job_ = live_->store().create_job(later).id;
  }

  /// An authenticated request that, if it ran, would cancel the job.
  std::string smuggled() const {
    return "POST /api/jobs/" + std::to_string(job_) + "/cancel HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key_ +
           "\r\nContent-Length: 0\r\n\r\n";
  }
  bool job_untouched() { return live_->store().find_job(job_)->status != domain::job_status::cancelled; }
  test::raw_answers send(const std::string& bytes, std::chrono::milliseconds quiet = 1500ms) {
    return test::raw_http_all(live_->srv().port(), bytes, quiet);
  }
  static std::string with_length(const std::string& head, const std::string& body) {
    return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  test::scratch_database db_{persistence::backend_kind::sqlite};
  config::config cfg_;
  std::unique_ptr<live_server> live_;
  std::string key_;
  std::int64_t job_ = 0;
};

TEST_F(connection_loop_test, the_smuggled_request_really_cancels_when_sent_as_a_request) {
  // The probe the other tests rely on: sent on its own, the smuggled request does run.
  const auto a = send(smuggled(), 800ms);
  EXPECT_EQ(a.statuses, statuses({202})) << a.text;
  EXPECT_FALSE(job_untouched());
}

TEST_F(connection_loop_test, a_get_body_is_dropped_and_the_next_request_is_served) {
  const auto a =
      send(with_length("GET /healthz HTTP/1.1\r\nHost: x\r\n", smuggled()) + "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(a.statuses, statuses({200, 200})) << a.text;
  EXPECT_NE(a.text.find(R"("status":"ok")"), std::string::npos);
  EXPECT_TRUE(job_untouched());
}

TEST_F(connection_loop_test, bodies_of_options_and_refused_requests_are_dropped) {
  auto a = send(with_length("OPTIONS /api/jobs HTTP/1.1\r\nHost: x\r\n", smuggled()));
  EXPECT_EQ(a.statuses.size(), 1u) << a.text;
  // Refused before their handlers ran (no credentials): the body is still on the wire.
  for (const auto* method : {"PATCH", "DELETE", "POST", "PUT"}) {
    a = send(with_length(std::string(method) + " /api/releases/1 HTTP/1.1\r\nHost: x\r\n", smuggled()) +
             "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_EQ(a.statuses.size(), 2u) << method << ": " << a.text;
    EXPECT_GE(a.statuses[0], 400) << method;
    EXPECT_EQ(a.statuses[1], 200) << method;
  }
  // Unknown routes too.
  a = send(with_length("DELETE /nowhere HTTP/1.1\r\nHost: x\r\n", smuggled()) +
           "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(a.statuses, statuses({404, 200})) << a.text;
  EXPECT_TRUE(job_untouched());
}

TEST_F(connection_loop_test, ambiguous_framing_is_refused_and_the_connection_closed) {
  const std::string post = "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  const std::string chunk = "3\r\nabc\r\n0\r\n\r\n";
  struct probe {
    std::string bytes;
    int status;
  };
  const std::vector<probe> probes{
      {post + "Content-Length: 3\r\nContent-Length: " + std::to_string(smuggled().size() + 3) + "\r\n\r\nabc" +
           smuggled(),
       400},
      {post + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc" + smuggled(), 400},
      {post + "Content-Length: 3, 3\r\n\r\nabc" + smuggled(), 400},
      {post + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + smuggled(), 400},
      {post + "Transfer-Encoding: xchunked\r\n\r\n" + chunk + smuggled(), 400},
      {post + "Transfer-Encoding: chunked, identity\r\n\r\n" + chunk + smuggled(), 400},
      {post + "Transfer-Encoding: gzip, chunked\r\n\r\n" + chunk + smuggled(), 501},
      {"GET /healthz HTTP/1.1\r\n\r\n" + smuggled(), 400}, // no Host
  };
  for (const auto& p : probes) {
    const auto start = std::chrono::steady_clock::now();
    const auto a = send(p.bytes, 3s);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2500ms) << "waited for the client: " << p.bytes;
    EXPECT_EQ(a.statuses, statuses({p.status})) << p.bytes << "\n---\n" << a.text;
    EXPECT_TRUE(a.closed) << p.bytes;
    EXPECT_NE(a.text.find("Connection: close"), std::string::npos);
    EXPECT_EQ(a.text.find("Keep-Alive"), std::string::npos) << "contradictory headers: " << a.text;
    EXPECT_NE(a.text.find(p.status == 501 ? "NOT_IMPLEMENTED" : "MALFORMED_REQUEST"), std::string::npos) << a.text;
  }
  EXPECT_TRUE(job_untouched());
}

TEST_F(connection_loop_test, a_post_without_length_has_an_empty_body) {
  // RFC 9112 §6.3: neither Content-Length nor Transfer-Encoding means no body, so the next
  // request is a request, answered at once (not read as this one's body until a timeout).
  const auto start = std::chrono::steady_clock::now();
  const auto a = send("POST /api/jobs/" + std::to_string(job_) + "/cancel HTTP/1.1\r\nHost: x\r\n\r\n" +
                          "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                      800ms);
  EXPECT_EQ(a.statuses, statuses({401, 200})) << a.text;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST_F(connection_loop_test, an_unread_chunked_body_closes_the_connection_after_the_answer) {
  const auto a = send("POST /nowhere HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                      std::string("0\r\n\r\n") + smuggled());
  EXPECT_EQ(a.statuses, statuses({404})) << a.text;
  EXPECT_TRUE(a.closed);
  EXPECT_TRUE(job_untouched());
}

TEST_F(connection_loop_test, a_read_chunked_body_keeps_the_connection) {
  const std::string json = R"({"username":"nobody","password":"wrong password"})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", json.size());
  const auto a = send("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n" +
                          std::string(size) + "\r\n" + json + "\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                      800ms);
  EXPECT_EQ(a.statuses, statuses({401, 200})) << a.text;
}

TEST_F(connection_loop_test, pipelined_requests_are_answered_in_order_without_waiting) {
  std::string three;
  for (const auto* path : {"/healthz", "/readyz", "/healthz"})
    three += std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto start = std::chrono::steady_clock::now();
  const auto a = send(three + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3s);
  EXPECT_EQ(a.statuses, statuses({200, 200, 200, 200})) << a.text;
  EXPECT_TRUE(a.closed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST_F(connection_loop_test, a_large_body_on_any_method_is_refused_unread_and_ends_the_connection) {
  // Only the head is sent: answered at once and closed, without waiting for the body.
  const auto a = send("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n", 3s);
  EXPECT_EQ(a.statuses, statuses({413})) << a.text;
  EXPECT_TRUE(a.closed);
  EXPECT_NE(a.text.find("Connection: close"), std::string::npos);
}

TEST_F(connection_loop_test, head_answers_wherever_get_does_without_a_body) {
  const auto a = send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nHEAD /api/jobs HTTP/1.1\r\nHost: x\r\n\r\n"
                      "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                      2s);
  EXPECT_EQ(a.statuses, statuses({200, 401, 200})) << a.text;
  EXPECT_EQ(a.text.find("{\"status\":\"ok\"}"), a.text.rfind("{\"status\":\"ok\"}")) << "a HEAD answer had a body";
  auto c = live_->client(key_);
  const auto r = c.Head("/api/jobs/" + std::to_string(job_));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body.empty());
  EXPECT_FALSE(r->get_header_value("ETag").empty());
}

TEST_F(connection_loop_test, every_header_is_sent_once_on_refusals) {
  const auto a = send("GET /api/jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 2s);
  ASSERT_EQ(a.statuses, statuses({401})) << a.text;
  for (const auto* name : {"X-Request-Id:", "Cache-Control:", "Content-Security-Policy:", "X-Frame-Options:",
                           "Referrer-Policy:", "X-Content-Type-Options:"}) {
    const auto first = a.text.find(name);
    ASSERT_NE(first, std::string::npos) << name;
    EXPECT_EQ(a.text.find(name, first + 1), std::string::npos) << name << " twice:\n" << a.text;
  }
}

TEST(client_address, only_a_trusted_proxy_is_believed_and_the_rightmost_untrusted_hop_is_the_client) {
  const std::unordered_set<std::string> proxies{"10.0.0.1", "10.0.0.2", "::1"};
  EXPECT_EQ(client_address("10.0.0.1", {"203.0.113.7"}, proxies), "203.0.113.7");
  EXPECT_EQ(client_address("192.0.2.1", {"203.0.113.7"}, proxies), "192.0.2.1"); // not a proxy: its own claim
  EXPECT_EQ(client_address("10.0.0.1", {}, proxies), "10.0.0.1");
  // A client may forge entries on the left; each proxy appends what it saw on the right.
  EXPECT_EQ(client_address("10.0.0.1", {"6.6.6.6, 203.0.113.7, 10.0.0.2"}, proxies), "203.0.113.7");
  EXPECT_EQ(client_address("10.0.0.1", {"6.6.6.6", "203.0.113.7"}, proxies), "203.0.113.7"); // two header lines
  EXPECT_EQ(client_address("::1", {"2001:db8::5"}, proxies), "2001:db8::5");
  EXPECT_EQ(client_address("10.0.0.1", {"10.0.0.2"}, proxies), "10.0.0.2"); // only proxies: the left-most
  EXPECT_EQ(client_address("10.0.0.1", {"203.0.113.7, unknown"}, proxies), "10.0.0.1"); // not an address: ignored
  EXPECT_EQ(client_address("10.0.0.1", {"203.0.113.7,,"}, proxies), "10.0.0.1");
}

} // namespace
} // namespace tunemantra::http
