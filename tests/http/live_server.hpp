#pragma once
// A real tunemantrad front end for HTTP tests: store, job runtime and server on a free port of
// 127.0.0.1, served from a background thread.

#include <chrono>
#include <memory>
#include <thread>

#include <httplib.h>

#include "actors/runtime.hpp"
#include "domain/auth.hpp"
#include "http/server.hpp"
#include "persistence/store.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra::http {

using namespace std::chrono_literals;

class live_server {
public:
  live_server(config::config cfg) : cfg_(std::move(cfg)) {
    if (cfg_.media.dir == defaults::media_dir)
      cfg_.media.dir = (media_.path() / "media").string();
    store_ = persistence::open_store(cfg_.database);
    store_->migrate();
    runtime_ = std::make_unique<actors::job_runtime>(cfg_, *store_);
    server_ = std::make_unique<server>(cfg_, *store_, *runtime_);
    server_->bind();
    thread_ = std::thread([this] { server_->run(); });
  }
  ~live_server() {
    server_->stop();
    thread_.join();
    runtime_->stop(5s);
  }
  persistence::store& store() { return *store_; }
  server& srv() { return *server_; }
  /// A client that sends `bearer` as its API key (none when empty).
  httplib::Client client(const std::string& bearer = "") {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(10s);
    if (!bearer.empty())
      c.set_bearer_token_auth(bearer.c_str());
    return c;
  }
  /// Creates a user with a key holding every scope of its role; returns the key.
  std::string key_for(const std::string& username, domain::role role) {
    domain::new_user nu{username, username + "@example.com", "Test " + username, "correct horse battery", role};
    const auto user = store_->accounts().create_user(nu, {14, 8, 1});
    return store_->accounts().create_key(user->id, "test", domain::scopes_of(role), std::nullopt).secret;
  }

  const std::string& media_dir() const { return cfg_.media.dir; }

private:
  test::temp_dir media_; ///< uploads of this server, removed with it
  config::config cfg_;
  std::unique_ptr<persistence::store> store_;
  std::unique_ptr<actors::job_runtime> runtime_;
  std::unique_ptr<server> server_;
  std::thread thread_;
};

} // namespace tunemantra::http
