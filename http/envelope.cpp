#include "http/envelope.hpp"

#include <array>
#include <utility>

#include <httplib.h>

#include "domain/time.hpp"

namespace tunemantra::http {
namespace {

constexpr std::array<std::pair<std::string_view, int>, 19> codes{{
  {"VALIDATION_ERROR", 400},
  {"MALFORMED_JSON", 400},
  {"MALFORMED_REQUEST", 400},
  {"AUTH_REQUIRED", 401},
  {"INVALID_CREDENTIALS", 401},
  {"INVALID_API_KEY", 401},
  {"INSUFFICIENT_SCOPE", 403},
  {"FORBIDDEN", 403},
  {"NOT_FOUND", 404},
  {"METHOD_NOT_ALLOWED", 405},
  {"CONFLICT", 409},
  {"INVALID_STATE", 409},
  {"REQUEST_TIMEOUT", 408},
  {"PAYLOAD_TOO_LARGE", 413},
  {"UNSUPPORTED_MEDIA_TYPE", 415},
  {"RATE_LIMIT_EXCEEDED", 429},
  {"INTERNAL_ERROR", 500},
  {"NOT_IMPLEMENTED", 501},
  {"UNAVAILABLE", 503},
}};

} // namespace

int status_for(std::string_view code) {
  for (const auto& [name, status] : codes)
    if (name == code)
      return status;
  return 500;
}

json time_or_null(const std::optional<domain::millis>& t) {
  return t ? json(domain::format_rfc3339(*t)) : json(nullptr);
}

void send_data(httplib::Response& res, int status, json data, json meta) {
  res.status = status;
  json body = {{"data", std::move(data)}, {"meta", std::move(meta)}, {"error", nullptr}};
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, std::string_view code, std::string_view message, json details) {
  res.status = status_for(code);
  json body = {{"data", nullptr},
               {"meta", json::object()},
               {"error", {{"message", message}, {"code", code}, {"details", std::move(details)}}}};
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

} // namespace tunemantra::http
