#pragma once
// The REST front end: a tuned cpp-httplib server. Every request passes one middleware chain:
// request id, CORS, route match and body limit (before the body is read), the handler, security
// headers, one access-log line and the request metrics.

#include <memory>

#include <nlohmann/json.hpp>
#include <string>

#include "http/router.hpp"
#include "http/services.hpp"

namespace httplib {
class Server;
}

namespace tunemantra::http {

class server {
public:
  server(const config::config& cfg, persistence::store& store, actors::job_runtime& runtime);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds the configured host and port (port 0: any free port); throws std::runtime_error on failure.
  void bind();
  int port() const { return port_; }
  actors::job_runtime& runtime() { return services_.runtime; }
  /// Serves until stop(); blocks the calling thread.
  void run();
  /// Stops accepting, lets running handlers finish, and makes run() return.
  void stop();

  const router& routes() const { return router_; }

private:
  void install_middleware();
  /// Rate limit, authentication, CSRF and scope for the matched route; answers and returns
  /// false when the request must stop here.
  bool admit(const httplib::Request& req, httplib::Response& res);
  /// Runs the handler, replaying or recording the answer for a POST with an Idempotency-Key.
  void dispatch(const httplib::Request& req, httplib::Response& res);

  services services_;
  router router_;
  std::unique_ptr<httplib::Server> srv_;
  int port_ = 0;
};

} // namespace tunemantra::http
