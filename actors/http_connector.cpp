#include "actors/http_connector.hpp"

#include <chrono>
#include <stdexcept>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "actors/connector_error.hpp"
#include "domain/time.hpp"

namespace tunemantra::actors {

std::string send_http(const domain::platform& p, const delivery_package& pkg, const domain::delivery& d,
                      const config::delivery_config& cfg) {
  const auto message = make_message(p, pkg, d, cfg, domain::now_millis());
  nlohmann::json tracks = nlohmann::json::array();
  for (const auto& t : pkg.tracks)
    tracks.push_back({{"isrc", t.isrc}, {"title", t.title}, {"position", t.position},
                      {"durationMs", t.audio->duration_ms}, {"sha256", t.audio->sha256}});
  const nlohmann::json body = {{"messageId", d.message_id},
                               {"action", domain::to_string(d.action)},
                               {"release", {{"upc", pkg.rel.upc}, {"title", pkg.rel.title}, {"artist", pkg.artist_name},
                                            {"releaseDate", pkg.rel.release_date}, {"territories", pkg.rel.territories}}},
                               {"tracks", std::move(tracks)},
                               {"artworkSha256", pkg.rel.artwork->sha256},
                               {"ern", domain::build_ern(message)}};
  // scheme://host[:port]/path
  const auto& url = p.connector.url;
  const auto after_scheme = url.find("://");
  const auto path_at = url.find('/', after_scheme + 3);
  const auto origin = url.substr(0, path_at);
  const auto path = path_at == std::string::npos ? std::string("/") : url.substr(path_at);
  httplib::Client client(origin);
  const auto timeout = std::chrono::milliseconds(p.connector.timeout_ms);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  httplib::Headers headers{{"Idempotency-Key", d.message_id}};
  if (!p.connector.auth_header.empty())
    headers.emplace("Authorization", p.connector.auth_header);
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
  const auto receipt = nlohmann::json::parse(answer->body, nullptr, false);
  if (receipt.is_object() && receipt.contains("receiptId") && receipt["receiptId"].is_string())
    return receipt["receiptId"].get<std::string>();
  return "http-" + std::to_string(answer->status);
}

} // namespace tunemantra::actors
