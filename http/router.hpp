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

/// Path parameters in the order they appear (`{id}` -> "42").
using path_params = std::vector<std::string>;
using handler = std::function<void(const httplib::Request&, httplib::Response&, const path_params&)>;

struct route {
  std::string method;
  std::string path;        ///< OpenAPI form, e.g. /api/jobs/{id}
  std::size_t max_body = 0; ///< largest accepted body in bytes
  handler fn;
  std::vector<std::string> segments; ///< path split at '/', parameters kept as `{name}`
};

class router {
public:
  explicit router(std::size_t default_max_body) : default_max_body_(default_max_body) {}

  /// Adds a route; `max_body` 0 means the configured default for JSON bodies.
  void add(std::string method, std::string path, handler fn, std::size_t max_body = 0);

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
