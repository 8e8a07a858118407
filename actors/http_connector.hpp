#pragma once
// The http connector (blocking: call it through the executor). POSTs one JSON document per
// delivery to the platform's URL: the MessageId (also sent as Idempotency-Key, so a platform
// accepts a resend once), the action, the release and tracks with their hashes, and the ERN 4.3
// message itself. Format: docs/delivery.md.

#include <string>

#include "actors/ddex_folder.hpp"

namespace tunemantra::actors {

/// Sends the delivery; returns the platform's receipt id (or "http-<status>"). Throws
/// permanent_failure on a 4xx answer (but 408 and 429), std::runtime_error (retryable) on a
/// timeout, a refused or dropped connection, or a 5xx/408/429 answer.
std::string send_http(const domain::platform& p, const delivery_package& pkg, const domain::delivery& d,
                      const config::delivery_config& cfg);

} // namespace tunemantra::actors
