#pragma once
// The REST front end: a tuned cpp-httplib server with the operational routes. Resource routes
// are added by one file per resource as the API grows.

#include <atomic>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "persistence/store.hpp"

namespace httplib {
class Server;
}

namespace tunemantra::http {

class server {
public:
  server(const config::http_config& cfg, persistence::store& store);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds the configured host and port (port 0: any free port); throws std::runtime_error on failure.
  void bind();
  /// The bound port.
  int port() const { return port_; }
  /// Serves until stop(); blocks the calling thread.
  void run();
  /// Stops accepting, lets running handlers finish, and makes run() return.
  void stop();

private:
  void install_routes();

  config::http_config cfg_;
  persistence::store& store_;
  std::unique_ptr<httplib::Server> srv_;
  int port_ = 0;
};

} // namespace tunemantra::http
