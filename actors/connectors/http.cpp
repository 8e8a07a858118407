// The http connector: POSTs one JSON document per delivery to the platform's URL: the MessageId
// (also sent as Idempotency-Key, so a platform accepts a resend once), the action, the release and
// tracks with their hashes, and the ERN 4.3 message itself. Format: docs/delivery.md.

#include <chrono>
#include <stdexcept>

#include <httplib.h>

#include "actors/connector_error.hpp"
#include "actors/connectors/registry.hpp"
#include "actors/connectors/settings.hpp"
#include "domain/time.hpp"

namespace tunemantra::actors {
namespace {
using nlohmann::json;

constexpr int default_timeout_ms = 10'000;

class http_connector final : public connector {
public:
  std::string_view type() const override { return "http"; }
  std::string_view summary() const override { return "each delivery POSTed as JSON (with its ERN message) to a URL"; }

  json schema() const override {
    return {
        {"type", "object"},
        {"required", {"type", "url"}},
        {"properties",
         {{"type", {{"type", "string"}, {"enum", {"http"}}}},
          {"url",
           {{"type", "string"},
            {"format", "uri"},
            {"description", "http:// or https:// URL deliveries are POSTed to"}}},
          {"authHeader",
           {{"type", "string"}, {"writeOnly", true}, {"description", "Authorization header value; never shown"}}},
          {"hasAuthHeader", {{"type", "boolean"}, {"readOnly", true}}},
          {"timeoutMs", {{"type", "integer"}, {"minimum", 100}, {"maximum", 600000}, {"default", default_timeout_ms}}},
          {"recipientDpid", {{"type", "string"}, {"description", "the platform's DDEX party id, for the ERN message"}}},
          {"recipientName", {{"type", "string"}}}}}};
  }

  json check(const json& in) const override {
    json out = {{"type", "http"}};
    const auto url = settings::text(in, "url", true, 2000);
    if (!url.starts_with("http://") && !url.starts_with("https://"))
      throw invalid_settings("url", "must start with http:// or https://");
    out["url"] = url;
    if (auto auth = settings::text(in, "authHeader", false, 4000); !auth.empty())
      out["authHeader"] = auth;
    out["timeoutMs"] = settings::integer(in, "timeoutMs", default_timeout_ms, 100, 600'000);
    out["recipientDpid"] = settings::text(in, "recipientDpid", false, 100);
    out["recipientName"] = settings::text(in, "recipientName", false, 200);
    return out;
  }

  json public_view(const json& stored) const override {
    return {{"type", "http"},
            {"url", settings::stored(stored, "url")},
            {"timeoutMs", stored.value("timeoutMs", default_timeout_ms)},
            {"hasAuthHeader", !settings::stored(stored, "authHeader").empty()},
            {"recipientDpid", settings::stored(stored, "recipientDpid")},
            {"recipientName", settings::stored(stored, "recipientName")}};
  }

  std::string send(const send_request& r) const override {
    const auto stored = settings_of(r.platform);
    const auto& pkg = r.package;
    const auto& d = r.delivery;
    const domain::ern_party recipient{settings::stored(stored, "recipientDpid"),
                                      settings::stored(stored, "recipientName")};
    const auto message = make_message(recipient, {}, pkg, d, r.config, domain::now_millis());
    json tracks = json::array();
    for (const auto& t : pkg.tracks)
      tracks.push_back({{"isrc", t.isrc},
                        {"title", t.title},
                        {"position", t.position},
                        {"durationMs", t.audio->duration_ms},
                        {"sha256", t.audio->sha256}});
    const json body = {{"messageId", d.message_id},
                       {"action", domain::to_string(d.action)},
                       {"release",
                        {{"upc", pkg.rel.upc},
                         {"title", pkg.rel.title},
                         {"artist", pkg.artist_name},
                         {"releaseDate", pkg.rel.release_date},
                         {"territories", pkg.rel.territories}}},
                       {"tracks", std::move(tracks)},
                       {"artworkSha256", pkg.rel.artwork->sha256},
                       {"ern", domain::build_ern(message)}};
    // scheme://host[:port]/path
    const auto url = settings::stored(stored, "url");
    const auto after_scheme = url.find("://");
    const auto path_at = url.find('/', after_scheme + 3);
    const auto origin = url.substr(0, path_at);
    const auto path = path_at == std::string::npos ? std::string("/") : url.substr(path_at);
    httplib::Client client(origin);
    const auto timeout = std::chrono::milliseconds(stored.value("timeoutMs", default_timeout_ms));
    client.set_connection_timeout(timeout);
    client.set_read_timeout(timeout);
    client.set_write_timeout(timeout);
    httplib::Headers headers{{"Idempotency-Key", d.message_id}};
    if (const auto auth = settings::stored(stored, "authHeader"); !auth.empty())
      headers.emplace("Authorization", auth);
    const auto answer = client.Post(path, headers, body.dump(), "application/json");
    if (!answer)
      throw std::runtime_error("POST " + url + " failed: " + httplib::to_string(answer.error()));
    const int status = answer->status;
    if (status < 200 || status > 299) {
      const auto why = "POST " + url + " answered " + std::to_string(status) + ": " + answer->body.substr(0, 300);
      const bool retryable = status >= 500 || status == 408 || status == 429;
      if (!retryable)
        throw permanent_failure(why); // the platform refuses this message: sending it again changes nothing
      throw std::runtime_error(why);
    }
    const auto receipt = json::parse(answer->body, nullptr, false);
    if (receipt.is_object() && receipt.contains("receiptId") && receipt["receiptId"].is_string())
      return receipt["receiptId"].get<std::string>();
    return "http-" + std::to_string(answer->status);
  }
};

} // namespace

const connector& http_post() {
  static const http_connector instance;
  return instance;
}

} // namespace tunemantra::actors
