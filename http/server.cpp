#include "http/server.hpp"

#include <stdexcept>

#include <sys/socket.h>

#include <httplib.h>

#include "domain/log.hpp"
#include "http/envelope.hpp"
#include "persistence/errors.hpp"

namespace tunemantra::http {

server::server(const config::http_config& cfg, persistence::store& store)
  : cfg_(cfg), store_(store), srv_(std::make_unique<httplib::Server>()) {
  // DESIGN.md: without TCP_NODELAY and a large keep-alive count cpp-httplib serves ~1.8k req/s.
  srv_->set_tcp_nodelay(true);
  srv_->set_keep_alive_max_count(static_cast<std::size_t>(cfg_.keep_alive_max_count));
  srv_->set_read_timeout(std::chrono::milliseconds{cfg_.read_timeout_ms});
  // cpp-httplib's default also sets SO_REUSEPORT, which lets a second daemon share the port
  // silently; keep only SO_REUSEADDR so a restart can rebind while old connections linger.
  srv_->set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  srv_->set_payload_max_length(static_cast<std::size_t>(cfg_.max_body_bytes));
  const auto threads = static_cast<std::size_t>(cfg_.threads);
  srv_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  install_routes();
}

server::~server() = default;

void server::install_routes() {
  srv_->set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    res.set_header("X-Frame-Options", "DENY");
  });
  srv_->set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      std::rethrow_exception(ep);
    } catch (const persistence::store_unavailable& e) {
      send_error(res, "UNAVAILABLE", "the database is unavailable, try again shortly");
      res.set_header("Retry-After", "1");
      log::warn("request failed", {{"path", req.path}, {"error", e.what()}});
      return;
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log::error("request failed", {{"path", req.path}, {"error", what}});
    send_error(res, "INTERNAL_ERROR", "internal error");
  });
  srv_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty())
      return;
    if (res.status == 404)
      send_error(res, "NOT_FOUND", "no such route");
    else if (res.status == 413)
      send_error(res, "PAYLOAD_TOO_LARGE", "request body is too large");
    else if (res.status == 400)
      send_error(res, "VALIDATION_ERROR", "bad request");
  });

  srv_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  srv_->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    try {
      store_.ping();
      res.set_content(R"({"status":"ready"})", "application/json");
    } catch (const std::exception& e) {
      res.status = 503;
      res.set_content(json{{"status", "unavailable"}, {"reason", e.what()}}.dump(), "application/json");
    }
  });
}

void server::bind() {
  if (cfg_.port == 0) {
    port_ = srv_->bind_to_any_port(cfg_.host);
    if (port_ < 0)
      throw std::runtime_error("cannot bind " + cfg_.host + " to any port");
  } else {
    if (!srv_->bind_to_port(cfg_.host, cfg_.port))
      throw std::runtime_error("cannot bind " + cfg_.host + ":" + std::to_string(cfg_.port)
                               + " (in use, or not permitted)");
    port_ = cfg_.port;
  }
  log::info("http bound", {{"host", cfg_.host}, {"port", std::to_string(port_)}});
}

void server::run() { srv_->listen_after_bind(); }

void server::stop() { srv_->stop(); }

} // namespace tunemantra::http
