#pragma once
// The JSON views of catalog records, shared by the catalog, track and media routes and the audit
// entries they write (so an audit entry shows exactly what a client saw).

#include <nlohmann/json.hpp>

#include "domain/catalog.hpp"
#include "domain/release_check.hpp"

namespace tunemantra::http {

nlohmann::json artist_json(const domain::artist& a);
/// A release with `artwork` (null until uploaded).
nlohmann::json release_json(const domain::release& r);
/// A track with `audio` (null until uploaded): its recording's measured properties.
nlohmann::json track_json(const domain::track& t);
nlohmann::json audio_json(const domain::audio_info& a);
nlohmann::json artwork_json(const domain::image_info& a);
/// `[{payeeUserId, payeeName, shareBps}]`.
nlohmann::json splits_json(const std::vector<domain::royalty_split>& splits);
/// `{ready, issues: [{code, severity, field, message, trackId?}]}`.
nlohmann::json validation_json(const std::vector<domain::release_issue>& issues);

} // namespace tunemantra::http
