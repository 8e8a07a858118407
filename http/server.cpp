#include "http/server.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include <sys/socket.h>

#include <httplib.h>

#include "domain/log.hpp"
#include "domain/crypto.hpp"
#include "domain/text.hpp"
#include "http/auth.hpp"
#include "http/connection.hpp"
#include "http/envelope.hpp"
#include "persistence/errors.hpp"

namespace tunemantra::http {
namespace {

using clock = std::chrono::steady_clock;

/// What the middleware learns about the request being served on this thread (cpp-httplib runs
/// pre-routing, the handler, post-routing and the logger of one request on one thread).
struct request_state {
  clock::time_point start;
  const route* matched = nullptr;
  request_ctx ctx;
  std::optional<principal> who;
  bool refused = false; ///< answered in pre-routing, but its body handler still runs (and leaves the body)
};
thread_local request_state current;

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (auto& c : out)
    c = hex[rng() & 15];
  return out;
}

/// A client's X-Request-Id is kept when it is short and plain; otherwise we make one.
std::string request_id_for(const httplib::Request& req) {
  const auto given = req.get_header_value("X-Request-Id");
  const bool plain = !given.empty() && given.size() <= 128 && std::all_of(given.begin(), given.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
  return plain ? given : new_request_id();
}

edge_limits limits_for(const config::http_config& cfg) {
  edge_limits limits;
  limits.head_timeout = std::chrono::milliseconds{cfg.read_timeout_ms};
  limits.read_timeout = std::chrono::milliseconds{cfg.read_timeout_ms};
  limits.write_timeout = std::chrono::milliseconds{cfg.read_timeout_ms};
  limits.keep_alive_max = static_cast<std::size_t>(cfg.keep_alive_max_count);
  limits.min_rate = static_cast<std::uint64_t>(cfg.min_rate_bytes_per_s);
  limits.workers = static_cast<std::size_t>(cfg.threads);
  limits.queue = static_cast<std::size_t>(cfg.accept_queue);
  // A sanitizer's instrumented frames are several times larger.
#if defined(__SANITIZE_ADDRESS__)
  limits.stack_bytes = static_cast<std::size_t>(cfg.thread_stack_kib) * 1024 * 4;
#else
  limits.stack_bytes = static_cast<std::size_t>(cfg.thread_stack_kib) * 1024;
#endif
  limits.waiting.max_connections = static_cast<std::size_t>(cfg.max_connections);
  limits.waiting.max_per_client = static_cast<std::size_t>(cfg.max_connections_per_client);
  limits.trusted_proxies = {cfg.trusted_proxies.begin(), cfg.trusted_proxies.end()};
  limits.waiting.uncapped = limits.trusted_proxies;
  return limits;
}

/// Ends the connection after this answer (the connection loop's exchange; always present when
/// served through the loop, absent only for handlers called outside it).
void close_after(httplib::Response& res) {
  if (auto* ex = current_exchange())
    ex->close_after();
  else
    res.set_header("Connection", "close");
}

} // namespace

server::server(const config::config& full, persistence::store& store, actors::job_runtime& runtime)
  : services_{full, store, runtime, {}, {}, clock::now()},
    router_(static_cast<std::size_t>(full.http.max_body_bytes)),
    srv_(make_edge_server(full.http.tls_cert_file, full.http.tls_key_file, limits_for(full.http))) {
  const auto& cfg = full.http;
  // DESIGN.md: without TCP_NODELAY and a large keep-alive count cpp-httplib serves ~1.8k req/s.
  srv_->set_tcp_nodelay(true);
  // The connection loop (http/connection.hpp) keeps the connections; these only shape what
  // cpp-httplib writes in its Keep-Alive header.
  srv_->set_keep_alive_max_count(static_cast<std::size_t>(cfg.keep_alive_max_count));
  srv_->set_keep_alive_timeout(std::chrono::duration_cast<std::chrono::seconds>(edge_limits{}.keep_alive_timeout).count());
  // cpp-httplib's default also sets SO_REUSEPORT, which lets a second daemon share the port
  // silently; keep only SO_REUSEADDR so a restart can rebind while old connections linger.
  srv_->set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  const auto threads = static_cast<std::size_t>(cfg.threads);
  // Long-polls hold a thread each: always leave some for ordinary requests.
  store.changes().set_max_watches(std::min<std::size_t>(static_cast<std::size_t>(cfg.max_long_polls), threads / 2));
  store.accounts().set_key_cache(cfg.key_cache_ms);
  // The workers (cfg.threads of them) and the reactor are the edge server's (http/connection.hpp).

  add_ops_routes(router_, services_);
  add_cluster_routes(router_, services_);
  add_job_routes(router_, services_);
  add_sales_routes(router_, services_);
  add_royalty_routes(router_, services_);
  add_analytics_routes(router_, services_);
  add_auth_routes(router_, services_);
  add_key_routes(router_, services_);
  add_user_routes(router_, services_);
  add_catalog_routes(router_, services_);
  add_track_routes(router_, services_);
  add_media_routes(router_, services_);
  add_delivery_routes(router_, services_);
  srv_->set_payload_max_length(router_.largest_body());
  install_middleware();
}

server::~server() = default;

void server::install_middleware() {
  const auto cfg = services_.cfg.http;
  const bool tls = !cfg.tls_cert_file.empty();

  // Set once however many paths pass here (cpp-httplib's set_header adds another field).
  auto security_headers = [tls](httplib::Response& res) {
    const auto set = [&res](const char* name, const std::string& value) {
      res.headers.erase(name);
      res.set_header(name, value);
    };
    set("X-Request-Id", current.ctx.request_id);
    set("X-Content-Type-Options", "nosniff");
    set("Referrer-Policy", "no-referrer");
    set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    set("X-Frame-Options", "DENY");
    set("Cache-Control", "no-store");
    if (tls)
      set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  };

  srv_->set_pre_routing_handler([this, cfg, security_headers](const httplib::Request& req, httplib::Response& res) {
    current.start = clock::now();
    current.ctx.request_id = request_id_for(req);
    current.matched = nullptr;
    current.refused = false;
    current.who.reset();
    current.ctx.who = nullptr;
    if (const auto* ex = current_exchange(); ex && !ex->frame().ok()) { // ambiguous framing: answer, then close
      security_headers(res);
      send_error(res, ex->frame().status == 501 ? "NOT_IMPLEMENTED" : "MALFORMED_REQUEST", ex->frame().problem);
      return httplib::Server::HandlerResponse::Handled;
    }
    const auto origin = req.get_header_value("Origin");
    const bool cors_ok = !origin.empty()
                         && std::find(cfg.cors_origins.begin(), cfg.cors_origins.end(), origin) != cfg.cors_origins.end();
    if (cors_ok) {
      res.set_header("Access-Control-Allow-Origin", origin);
      res.set_header("Access-Control-Allow-Credentials", "true");
      res.set_header("Access-Control-Expose-Headers",
                     "ETag, Location, Retry-After, X-Request-Id, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset");
      res.set_header("Vary", "Origin");
    }
    const auto methods = router_.methods_for(req.path);
    if (req.method == "OPTIONS") { // CORS preflight
      security_headers(res);
      if (methods.empty()) {
        send_error(res, "NOT_FOUND", "no such route");
      } else if (!cors_ok) {
        send_error(res, "FORBIDDEN", "origin not allowed");
      } else {
        res.status = 204;
        res.set_header("Access-Control-Allow-Methods", domain::join(methods, ", "));
        res.set_header("Access-Control-Allow-Headers",
                       "Authorization, Content-Type, Idempotency-Key, If-None-Match, X-CSRF-Token, X-Request-Id");
        res.set_header("Access-Control-Max-Age", "600");
      }
      return httplib::Server::HandlerResponse::Handled;
    }
    // A request with a body refused here goes on to its body handler, which leaves the body to
    // the connection loop (post-routing then adds the security headers).
    const auto refuse = [&] {
      if (library_reads_body(req.method)) {
        current.refused = true;
        return httplib::Server::HandlerResponse::Unhandled;
      }
      security_headers(res);
      return httplib::Server::HandlerResponse::Handled;
    };
    current.matched = router_.match(req.method, req.path, current.ctx.params);
    if (!current.matched) {
      if (methods.empty()) {
        send_error(res, "NOT_FOUND", "no such route");
      } else {
        send_error(res, "METHOD_NOT_ALLOWED", "use " + domain::join(methods, ", "), {{"allowed", methods}});
        res.set_header("Allow", domain::join(methods, ", "));
      }
      return refuse();
    }
    // The body limit is checked before the body is read, on the length the connection loop read
    // from the head (a malformed or repeated Content-Length was refused above).
    if (const auto* ex = current_exchange();
        ex && ex->frame().body == body_kind::length && ex->frame().length > current.matched->max_body) {
      security_headers(res);
      send_error(res, "PAYLOAD_TOO_LARGE",
                 "request body is larger than " + std::to_string(current.matched->max_body) + " bytes",
                 {{"limit", current.matched->max_body}});
      close_after(res);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!admit(req, res))
      return refuse();
    return httplib::Server::HandlerResponse::Unhandled;
  });

  auto dispatch = [this](const httplib::Request& req, httplib::Response& res) { this->dispatch(req, res); };
  srv_->Get(".*", dispatch);
  // PUT and POST bodies are read here, not by cpp-httplib: uploads stream to disk, other bodies
  // are buffered up to the route's limit (a chunked body has no Content-Length to check up front).
  const auto with_body = [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& content) {
    const auto limit = current.matched ? current.matched->max_body : 0;
    bool consumed = false;
    body_reader read = [&](const body_sink& sink) {
      consumed = true;
      const bool whole = content([&](const char* data, std::size_t size) { return sink(data, size); });
      if (whole)
        if (auto* ex = current_exchange())
          ex->body_read();
      return whole;
    };
    if (current.refused) {
      // answered in pre-routing; only the body is left, for the connection loop to drop
    } else if (current.matched->upload) {
      current.matched->upload(req, res, current.ctx, read);
    } else {
      std::string body;
      bool too_large = false;
      const bool ok = read([&](const char* data, std::size_t size) {
        too_large = body.size() + size > limit;
        if (!too_large)
          body.append(data, size);
        return !too_large;
      });
      if (!ok) {
        send_error(res, too_large ? "PAYLOAD_TOO_LARGE" : "VALIDATION_ERROR",
                   too_large ? "request body is larger than " + std::to_string(limit) + " bytes"
                             : "the request body could not be read");
        close_after(res);
        return;
      }
      auto buffered = req;
      buffered.body = std::move(body);
      this->dispatch(buffered, res);
    }
    // Answered before reading the body (404, 415, ...): the connection loop drops a small one
    // after the answer, so the connection stays usable; a large or chunked one ends it.
    if (!consumed)
      if (auto* ex = current_exchange())
        ex->body_left_unread();
  };
  srv_->Put(".*", with_body);
  srv_->Post(".*", with_body);
  srv_->Patch(".*", with_body);
  srv_->Delete(".*", with_body);

  srv_->set_post_routing_handler(
    [security_headers](const httplib::Request&, httplib::Response& res) { security_headers(res); });

  srv_->set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const persistence::store_unavailable& e) {
      send_error(res, "UNAVAILABLE", "the database is unavailable, try again shortly");
      res.set_header("Retry-After", "1");
      log::warn("request failed", {{"request_id", current.ctx.request_id}, {"path", req.path}, {"error", e.what()}});
    } catch (const std::exception& e) {
      send_error(res, "INTERNAL_ERROR", "internal error (request " + current.ctx.request_id + ")");
      log::error("request failed", {{"request_id", current.ctx.request_id}, {"path", req.path}, {"error", e.what()}});
    } catch (...) {
      send_error(res, "INTERNAL_ERROR", "internal error (request " + current.ctx.request_id + ")");
      log::error("request failed", {{"request_id", current.ctx.request_id}, {"path", req.path}, {"error", "unknown"}});
    }
  });

  // Answers cpp-httplib produced itself (a malformed request line, a body over the hard limit).
  srv_->set_error_handler([security_headers](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty())
      return;
    security_headers(res);
    if (res.status == 413)
      send_error(res, "PAYLOAD_TOO_LARGE", "request body is too large");
    else if (res.status == 404)
      send_error(res, "NOT_FOUND", "no such route");
    else if (res.status >= 400 && res.status < 500)
      send_error(res, "VALIDATION_ERROR", "malformed request");
  });

  srv_->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    const double seconds = std::chrono::duration<double>(clock::now() - current.start).count();
    const std::string route = current.matched ? current.matched->path : "unmatched";
    services_.metrics.observe(route, req.method, res.status, seconds);
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.3f", seconds * 1000);
    log::info("http served", {{"request_id", current.ctx.request_id},
                              {"method", req.method},
                              {"path", req.path},
                              {"route", route},
                              {"status", std::to_string(res.status)},
                              {"ms", ms},
                              {"bytes", std::to_string(res.body.size())},
                              {"remote", req.remote_addr}});
  });
}

bool server::admit(const httplib::Request& req, httplib::Response& res) {
  const auto& rl = services_.cfg.rate_limit;
  const auto& need = current.matched->who;
  if (rl.enabled) {
    const bool strict = need.group == "auth";
    const rate_rule rule{static_cast<double>(strict ? rl.auth_per_minute : rl.api_per_minute),
                         static_cast<double>(strict ? rl.auth_burst : rl.api_burst)};
    const auto d = services_.limiter.take(need.group + "|" + rate_key(req), rule);
    res.set_header("RateLimit-Limit", std::to_string(d.limit));
    res.set_header("RateLimit-Remaining", std::to_string(d.remaining));
    res.set_header("RateLimit-Reset", std::to_string(d.reset_s));
    if (!d.allowed) {
      res.set_header("Retry-After", std::to_string(d.retry_after_s));
      send_error(res, "RATE_LIMIT_EXCEEDED", "too many requests; retry in " + std::to_string(d.retry_after_s) + " s",
                 {{"retryAfterSeconds", d.retry_after_s}});
      return false;
    }
  }
  if (need.need == access::kind::open)
    return true;
  auth_failure why;
  const auto idle_ms = static_cast<std::int64_t>(services_.cfg.auth.session_idle_minutes) * 60'000;
  current.who = authenticate(req, services_.accounts(), idle_ms, why);
  if (!current.who) {
    send_error(res, why.code, why.message);
    return false;
  }
  current.ctx.who = &*current.who;
  if (!csrf_ok(req, *current.who)) {
    send_error(res, "FORBIDDEN", "missing or wrong X-CSRF-Token (returned by login) for a cookie session");
    return false;
  }
  if (need.need == access::kind::scope && !current.who->can(need.scope)) {
    send_error(res, "INSUFFICIENT_SCOPE", "this needs the scope " + need.scope, {{"required", need.scope}});
    return false;
  }
  return true;
}

void server::dispatch(const httplib::Request& req, httplib::Response& res) {
  if (!current.matched)
    return;
  const auto key = req.get_header_value("Idempotency-Key");
  if (req.method != "POST" || key.empty() || !current.ctx.who) {
    current.matched->fn(req, res, current.ctx);
    return;
  }
  if (key.size() > 255 || !std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; }))
    return send_error(res, "VALIDATION_ERROR", "Idempotency-Key must be 1 to 255 visible ASCII characters",
                      nlohmann::json::array({{{"field", "Idempotency-Key"}, {"message", "invalid"}}}));
  auto& accounts = services_.accounts();
  const auto account = current.ctx.who->user.id;
  const auto fingerprint = domain::crypto::sha256_hex(req.method + " " + req.path + "\n" + req.body);
  if (auto earlier = accounts.reserve_idempotency(account, key, fingerprint)) {
    if (earlier->request_hash != fingerprint)
      return send_error(res, "CONFLICT", "this Idempotency-Key was used with a different request");
    if (earlier->status == 0)
      return send_error(res, "CONFLICT", "a request with this Idempotency-Key is still running");
    res.status = earlier->status;
    if (!earlier->body.empty())
      res.set_content(earlier->body, "application/json");
    if (!earlier->location.empty())
      res.set_header("Location", earlier->location);
    res.set_header("Idempotent-Replayed", "true");
    return;
  }
  try {
    current.matched->fn(req, res, current.ctx);
  } catch (...) {
    accounts.release_idempotency(account, key);
    throw;
  }
  if (res.status >= 500)
    accounts.release_idempotency(account, key); // a failure may be retried with the same key
  else
    accounts.complete_idempotency(account, key, res.status, res.body, res.get_header_value("Location"));
}

void server::bind() {
  const auto& cfg = services_.cfg.http;
  if (cfg.port == 0) {
    port_ = srv_->bind_to_any_port(cfg.host);
    if (port_ < 0)
      throw std::runtime_error("cannot bind " + cfg.host + " to any port");
  } else {
    if (!srv_->bind_to_port(cfg.host, cfg.port))
      throw std::runtime_error("cannot bind " + cfg.host + ":" + std::to_string(cfg.port)
                               + " (in use, or not permitted)");
    port_ = cfg.port;
  }
  widen_listen_backlog(*srv_, SOMAXCONN);
  log::info("http bound", {{"host", cfg.host},
                           {"port", std::to_string(port_)},
                           {"tls", cfg.tls_cert_file.empty() ? "off" : "on"}});
}

void server::run() { srv_->listen_after_bind(); }

void server::stop() { srv_->stop(); }

} // namespace tunemantra::http
