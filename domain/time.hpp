#pragma once
// Wall-clock helpers: the store keeps UTC milliseconds, the API speaks RFC 3339.

#include <optional>
#include <string>
#include <string_view>

#include "domain/job.hpp"

namespace tunemantra::domain {

/// Current UTC time in milliseconds since the epoch.
millis now_millis();
/// `2026-12-01T02:20:49.123Z` (always UTC, always milliseconds).
std::string format_rfc3339(millis t);
/// Parses RFC 3339 with `Z` or a numeric offset, optional fraction; nullopt when malformed.
std::optional<millis> parse_rfc3339(std::string_view text);

} // namespace tunemantra::domain
