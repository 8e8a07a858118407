#include "http/query.hpp"

#include <charconv>

#include <httplib.h>

#include "domain/time.hpp"

namespace tunemantra::http {

void query::invalid(const std::string& field, const std::string& message) {
  problems_.push_back({{"field", field}, {"message", message}});
}

std::optional<std::int64_t> query::integer(const char* name, std::int64_t min, std::int64_t max) {
  if (!req_.has_param(name))
    return std::nullopt;
  const auto text = req_.get_param_value(name);
  std::int64_t value = 0;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), value);
  if (res.ec != std::errc{} || res.ptr != text.data() + text.size()) {
    invalid(name, "must be an integer");
    return std::nullopt;
  }
  if (value < min || value > max) {
    invalid(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> query::text(const char* name, std::size_t max_len) {
  if (!req_.has_param(name))
    return std::nullopt;
  auto value = req_.get_param_value(name);
  if (value.empty() || value.size() > max_len) {
    invalid(name, "must be 1 to " + std::to_string(max_len) + " characters");
    return std::nullopt;
  }
  return value;
}

std::optional<domain::millis> query::time(const char* name) {
  if (!req_.has_param(name))
    return std::nullopt;
  auto parsed = domain::parse_rfc3339(req_.get_param_value(name));
  if (!parsed)
    invalid(name, "must be an RFC 3339 timestamp such as 2026-01-31T00:00:00Z");
  return parsed;
}

void query::paging(int& page, int& limit) {
  page = static_cast<int>(integer("page", 1, 1'000'000).value_or(1));
  limit = static_cast<int>(integer("limit", 1, 100).value_or(20));
}

} // namespace tunemantra::http
