#pragma once
// The route table: method + OpenAPI-style path (`/api/jobs/{id}`), a body limit and a handler.
// The server matches every request here once, before the body is read, so unknown routes, wrong
// methods and oversized bodies are answered without reading the body. The same table is what the
// OpenAPI test compares with http/openapi.json.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace httplib {
struct Request;
struct Response;
} // namespace httplib

namespace tunemantra::http {

struct principal;

/// Path parameters in the order they appear (`{id}` -> "42").
using path_params = std::vector<std::string>;

/// What a handler gets besides the request: path parameters and, on protected routes, the caller.
struct request_ctx {
  path_params params;
  const principal* who = nullptr; ///< never null on routes that need authentication
  std::string request_id;
};

using handler = std::function<void(const httplib::Request&, httplib::Response&, const request_ctx&)>;

/// Receives one piece of a streamed body; return false to stop reading.
using body_sink = std::function<bool(const char* data, std::size_t size)>;
/// Feeds the body to the sink piece by piece; false when the client went away, the body is
/// malformed, or the sink stopped. May be called once.
using body_reader = std::function<bool(const body_sink&)>;
/// A handler for a route whose body is streamed (uploads) instead of read into memory first.
using upload_handler =
  std::function<void(const httplib::Request&, httplib::Response&, const request_ctx&, const body_reader&)>;

/// Who may call a route, and which rate-limit group it counts against.
struct access {
  enum class kind { open, user, scope };
  kind need = kind::open;
  std::string scope;          ///< with kind::scope
  std::string group = "api";  ///< rate-limit group: "auth" (login, register) or "api"

  static access anyone(std::string group = "api") { return {kind::open, "", std::move(group)}; }
  static access user() { return {kind::user, "", "api"}; }
  static access needs(std::string scope) { return {kind::scope, std::move(scope), "api"}; }
};

struct route {
  std::string method;
  std::string path;        ///< OpenAPI form, e.g. /api/jobs/{id}
  access who;
  std::size_t max_body = 0; ///< largest accepted body in bytes
  handler fn;              ///< set for ordinary routes
  upload_handler upload;   ///< set for streamed routes (PUT only)
  std::vector<std::string> segments; ///< path split at '/', parameters kept as `{name}`
};

class router {
public:
  explicit router(std::size_t default_max_body) : default_max_body_(default_max_body) {}

  /// Adds a route; `max_body` 0 means the configured default for JSON bodies.
  void add(std::string method, std::string path, access who, handler fn, std::size_t max_body = 0);
  /// Adds a PUT route whose body is streamed to `fn` rather than buffered; `max_body` is required.
  void add_upload(std::string method, std::string path, access who, upload_handler fn, std::size_t max_body);

  /// The route for `method` and `path`, with its parameters; nullptr when none.
  /// A `{param}` segment matches a positive decimal id of at most 18 digits.
  const route* match(std::string_view method, std::string_view path, path_params& params) const;
  /// The methods that some route accepts on `path` (empty: the path is unknown).
  std::vector<std::string> methods_for(std::string_view path) const;

  const std::vector<route>& routes() const { return routes_; }
  /// The largest body any route accepts (the server's hard limit).
  std::size_t largest_body() const;

private:
  std::size_t default_max_body_;
  std::vector<route> routes_;
};

} // namespace tunemantra::http
