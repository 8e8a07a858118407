#pragma once
// The response envelope of API.md: {"data": ..., "meta": {...}, "error": null} on success,
// {"data": null, "meta": {}, "error": {"message", "code", "details"}} on failure.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/job.hpp"

namespace httplib {
struct Response;
}

namespace tunemantra::http {

using json = nlohmann::json;

/// The HTTP status that belongs to an API error code (`NOT_FOUND` -> 404); 500 when unknown.
int status_for(std::string_view code);

/// An RFC 3339 timestamp, or null when there is none.
json time_or_null(const std::optional<domain::millis>& t);

/// Writes a success envelope with `status`.
void send_data(httplib::Response& res, int status, json data, json meta = json::object());

/// Writes an error envelope; the status comes from the code.
void send_error(httplib::Response& res, std::string_view code, std::string_view message,
                json details = nullptr);

} // namespace tunemantra::http
