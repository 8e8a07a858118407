#include "actors/connectors/package.hpp"

#include <cstdio>
#include <filesystem>

#include "actors/connector_error.hpp"
#include "domain/time.hpp"

namespace tunemantra::actors {

delivery_package load_package(persistence::store& store, std::int64_t account, std::int64_t release) {
  delivery_package pkg;
  auto rel = store.catalog().find_release(account, release);
  if (!rel)
    throw permanent_failure("release " + std::to_string(release) + " no longer exists");
  pkg.rel = *rel;
  const auto artist = store.catalog().find_artist(account, rel->artist_id);
  pkg.artist_name = artist ? artist->name : "";
  pkg.tracks = store.catalog().list_tracks(account, release);
  if (!pkg.rel.artwork)
    throw permanent_failure("the release has no artwork");
  for (const auto& t : pkg.tracks)
    if (!t.audio)
      throw permanent_failure("track " + std::to_string(t.position) + " has no audio");
  return pkg;
}

std::string track_file(const delivery_package& pkg, const domain::track& t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "_01_%03d", t.position);
  return "resources/" + pkg.rel.upc + buf + std::filesystem::path(t.audio->file).extension().string();
}

std::string artwork_file(const delivery_package& pkg) {
  return "resources/" + pkg.rel.upc + "_cover" + std::filesystem::path(pkg.rel.artwork->file).extension().string();
}

domain::ern_message make_message(const domain::ern_party& recipient, const std::vector<domain::ern_deal>& deals,
                                 const delivery_package& pkg, const domain::delivery& d,
                                 const config::delivery_config& cfg, domain::millis now) {
  domain::ern_message m;
  m.message_id = d.message_id;
  m.thread_id = "TM-R" + std::to_string(d.release_id) + "-P" +
                std::to_string(d.platform_id); // one thread per release and platform
  m.created_at = domain::format_rfc3339(now);
  m.sender = {cfg.sender_dpid, cfg.sender_name};
  m.recipient = recipient;
  m.action = d.action;
  m.end_date = m.created_at.substr(0, 10);
  m.test_message = cfg.test_messages;
  m.rel = pkg.rel;
  m.artist_name = pkg.artist_name;
  m.deals = deals;
  for (const auto& t : pkg.tracks) {
    domain::ern_track et;
    et.t = t;
    et.file = track_file(pkg, t);
    m.tracks.push_back(std::move(et));
  }
  m.artwork_file = artwork_file(pkg);
  return m;
}

} // namespace tunemantra::actors
