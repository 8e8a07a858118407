#include "http/catalog_json.hpp"

#include <cmath>

#include "domain/time.hpp"

namespace tunemantra::http {

using nlohmann::json;

namespace {

/// Measurements are shown to one decimal (loudness meters do the same).
double tenths(double v) { return std::round(v * 10) / 10; }

} // namespace

json audio_json(const domain::audio_info& a) {
  return {{"format", a.format},
          {"sampleRate", a.sample_rate},
          {"bitDepth", a.bit_depth},
          {"channels", a.channels},
          {"durationMs", a.duration_ms},
          {"loudnessLufs", tenths(a.loudness_lufs)},
          {"truePeakDbtp", tenths(a.true_peak_dbtp)},
          {"clipping", a.clipping()},
          {"clippedSamples", a.clipped_samples},
          {"leadingSilenceMs", a.leading_silence_ms},
          {"trailingSilenceMs", a.trailing_silence_ms},
          {"sha256", a.sha256},
          {"bytes", a.bytes},
          {"file", a.file}};
}

json artwork_json(const domain::image_info& a) {
  return {{"format", a.format},  {"width", a.width}, {"height", a.height}, {"colourMode", a.colour_mode},
          {"bitDepth", a.bit_depth}, {"sha256", a.sha256}, {"bytes", a.bytes}, {"file", a.file}};
}

json splits_json(const std::vector<domain::royalty_split>& splits) {
  json out = json::array();
  for (const auto& s : splits)
    out.push_back({{"payeeUserId", s.payee_user_id ? json(*s.payee_user_id) : json(nullptr)},
                   {"payeeName", s.payee_name.empty() ? json(nullptr) : json(s.payee_name)},
                   {"shareBps", s.share_bps}});
  return out;
}

json validation_json(const std::vector<domain::release_issue>& issues) {
  json list = json::array();
  for (const auto& i : issues) {
    json item = {{"code", i.code}, {"severity", domain::to_string(i.severity)}, {"field", i.field}, {"message", i.message}};
    if (i.track_id)
      item["trackId"] = i.track_id;
    list.push_back(std::move(item));
  }
  return {{"ready", !domain::has_errors(issues)}, {"issues", std::move(list)}};
}

json artist_json(const domain::artist& a) {
  auto opt = [](const std::string& v) { return v.empty() ? json(nullptr) : json(v); };
  return {{"id", a.id},
          {"name", a.name},
          {"isni", opt(a.isni)},
          {"platformIds", {{"spotify", opt(a.spotify_id)}, {"apple", opt(a.apple_id)}}},
          {"createdAt", domain::format_rfc3339(a.created_at)},
          {"updatedAt", domain::format_rfc3339(a.updated_at)}};
}

json release_json(const domain::release& r) {
  auto opt = [](const std::string& v) { return v.empty() ? json(nullptr) : json(v); };
  return {{"id", r.id},
          {"artistId", r.artist_id},
          {"title", r.title},
          {"type", domain::to_string(r.type)},
          {"upc", r.upc},
          {"releaseDate", r.release_date},
          {"originalReleaseDate", opt(r.original_release_date)},
          {"labelName", opt(r.label_name)},
          {"genre", opt(r.genre)},
          {"pLine", opt(r.p_line)},
          {"cLine", opt(r.c_line)},
          {"parentalWarning", r.parental_warning},
          {"territories", r.territories},
          {"status", domain::to_string(r.status)},
          {"artwork", r.artwork ? artwork_json(*r.artwork) : json(nullptr)},
          {"createdAt", domain::format_rfc3339(r.created_at)},
          {"updatedAt", domain::format_rfc3339(r.updated_at)}};
}

json track_json(const domain::track& t) {
  json contributors = json::array();
  for (const auto& c : t.contributors) {
    json item = {{"name", c.name}, {"role", c.role}};
    item["artistId"] = c.artist_id ? json(*c.artist_id) : json(nullptr);
    contributors.push_back(std::move(item));
  }
  return {{"id", t.id},
          {"releaseId", t.release_id},
          {"recordingId", t.recording_id},
          {"title", t.title},
          {"isrc", t.isrc},
          {"position", t.position},
          {"explicit", t.explicit_content},
          {"contributors", std::move(contributors)},
          {"audio", t.audio ? audio_json(*t.audio) : json(nullptr)},
          {"createdAt", domain::format_rfc3339(t.created_at)},
          {"updatedAt", domain::format_rfc3339(t.updated_at)}};
}

} // namespace tunemantra::http
