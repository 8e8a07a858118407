#include "actors/ddex_folder.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include <pugixml.hpp>

#include "actors/connector_error.hpp"
#include "domain/crypto.hpp"
#include "domain/log.hpp"
#include "domain/time.hpp"

namespace tunemantra::actors {
namespace fs = std::filesystem;

namespace {

std::string resource_name(const std::string& upc, int position, const std::string& stored) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "_01_%03d", position);
  return upc + buf + fs::path(stored).extension().string();
}

void write_file_synced(const fs::path& file, const std::string& bytes) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error("cannot write " + file.string());
  std::string_view rest = bytes;
  while (!rest.empty()) {
    const auto n = ::write(fd, rest.data(), rest.size());
    if (n < 0) {
      ::close(fd);
      throw std::runtime_error("cannot write " + file.string());
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  ::fsync(fd);
  ::close(fd);
}

/// A hard link when the media directory and the drop folder share a file system, else a copy.
void place_resource(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_hard_link(from, to, ec);
  if (ec)
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

/// The first element with this local name (namespace prefixes ignored), or empty.
std::string text_of(const pugi::xml_document& doc, const char* local_name) {
  const auto hit = doc.find_node([&](pugi::xml_node n) {
    std::string_view name = n.name();
    const auto colon = name.find(':');
    if (colon != std::string_view::npos)
      name.remove_prefix(colon + 1);
    return name == local_name;
  });
  return hit ? std::string(hit.text().get()) : std::string();
}

} // namespace

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

domain::ern_message make_message(const domain::platform& p, const delivery_package& pkg, const domain::delivery& d,
                                 const config::delivery_config& cfg, domain::millis now) {
  domain::ern_message m;
  m.message_id = d.message_id;
  m.thread_id = "TM-R" + std::to_string(d.release_id) + "-P" + std::to_string(d.platform_id); // one thread per release and platform
  m.created_at = domain::format_rfc3339(now);
  m.sender = {cfg.sender_dpid, cfg.sender_name};
  m.recipient = {p.connector.recipient_dpid, p.connector.recipient_name};
  m.action = d.action;
  m.end_date = m.created_at.substr(0, 10);
  m.test_message = cfg.test_messages;
  m.rel = pkg.rel;
  m.artist_name = pkg.artist_name;
  m.deals = p.connector.deals;
  for (const auto& t : pkg.tracks) {
    domain::ern_track et;
    et.t = t;
    et.file = "resources/" + resource_name(pkg.rel.upc, t.position, t.audio->file);
    m.tracks.push_back(std::move(et));
  }
  m.artwork_file = "resources/" + pkg.rel.upc + "_cover" + fs::path(pkg.rel.artwork->file).extension().string();
  return m;
}

std::string send_ddex_folder(const domain::platform& p, const delivery_package& pkg, const domain::delivery& d,
                             const config::delivery_config& cfg, const fs::path& media_root) {
  const auto now = domain::now_millis();
  const auto message = make_message(p, pkg, d, cfg, now);
  const auto xml = domain::build_ern(message);
  const std::string batch_id = d.message_id;
  const fs::path root(p.connector.path);
  const auto staging = root / ("." + batch_id + ".partial");
  const auto batch = root / batch_id;
  fs::remove_all(staging);
  const auto release_dir = staging / pkg.rel.upc;
  fs::create_directories(release_dir / "resources");
  for (std::size_t i = 0; i < pkg.tracks.size(); ++i)
    place_resource(media_root / pkg.tracks[i].audio->file, release_dir / message.tracks[i].file);
  place_resource(media_root / pkg.rel.artwork->file, release_dir / message.artwork_file);
  write_file_synced(release_dir / (pkg.rel.upc + ".xml"), xml);
  fs::remove_all(batch); // an earlier attempt of this very message (same MessageId)
  fs::rename(staging, batch);
  const auto marker = "BatchComplete_" + batch_id + ".xml";
  const std::string manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BatchComplete>\n  <BatchId>" + batch_id
                               + "</BatchId>\n  <NumberOfMessages>1</NumberOfMessages>\n  <MessageId>" + d.message_id
                               + "</MessageId>\n  <MessageFile>" + pkg.rel.upc + "/" + pkg.rel.upc + ".xml</MessageFile>\n"
                               + "  <CreatedDateTime>" + message.created_at + "</CreatedDateTime>\n</BatchComplete>\n";
  write_file_synced(batch / (marker + ".tmp"), manifest);
  fs::rename(batch / (marker + ".tmp"), batch / marker);
  return batch_id;
}

std::vector<acknowledgement> read_acknowledgements(const domain::platform& p) {
  std::vector<acknowledgement> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(p.connector.ack_path, ec)) {
    if (!entry.is_regular_file(ec) || entry.path().extension() != ".xml")
      continue;
    acknowledgement a;
    a.file = entry.path();
    pugi::xml_document doc;
    if (doc.load_file(entry.path().c_str())) {
      a.readable = true;
      a.message_id = text_of(doc, "AcknowledgedMessageId");
      if (a.message_id.empty())
        a.message_id = text_of(doc, "MessageId");
      const auto status = text_of(doc, "Status");
      a.accepted = status == "Accepted" || status == "FileOK" || status == "SuccessfullyIngested";
      a.text = text_of(doc, "ErrorText");
      if (a.text.empty())
        a.text = status;
    }
    out.push_back(std::move(a));
  }
  return out;
}

void archive_acknowledgement(const acknowledgement& a) {
  const auto processed = a.file.parent_path() / "processed";
  fs::create_directories(processed);
  fs::rename(a.file, processed / a.file.filename());
}

int apply_acknowledgements(persistence::store& store) {
  int applied = 0;
  for (const auto& p : store.delivery().list_platforms()) {
    if (p.connector.type != "ddex-folder" || p.connector.ack_path.empty())
      continue;
    for (const auto& a : read_acknowledgements(p)) {
      if (!a.readable) {
        // Perhaps still being written by the platform: try again on later polls, and give up on
        // the file (archived, logged) only once it has been unreadable for a minute.
        std::error_code ec;
        const auto age = fs::file_time_type::clock::now() - fs::last_write_time(a.file, ec);
        if (ec || age < std::chrono::minutes(1))
          continue;
        log::warn("acknowledgement file is not XML", {{"platform", p.code}, {"file", a.file.filename().string()}});
        archive_acknowledgement(a);
        continue;
      }
      const auto d = a.message_id.empty() ? std::nullopt : store.delivery().find_delivery_by_message(a.message_id);
      if (!d || d->platform_id != p.id) {
        log::warn("acknowledgement names no delivery of this platform",
                  {{"platform", p.code}, {"file", a.file.filename().string()}, {"message_id", a.message_id}});
        archive_acknowledgement(a);
        continue;
      }
      persistence::delivery_change change{a.accepted ? domain::delivery_status::acknowledged
                                                     : domain::delivery_status::rejected};
      change.ack_text = a.text;
      change.acknowledged_at = domain::now_millis();
      change.event = p.name + (a.accepted ? " acknowledged " : " rejected ") + a.message_id
                     + (a.accepted ? "" : ": " + a.text);
      // A takedown's acknowledgement confirms it; its status stays taken_down.
      if (d->action != domain::ern_action::takedown
          && store.delivery().transition(d->id, {domain::delivery_status::delivered}, change))
        ++applied;
      archive_acknowledgement(a);
    }
  }
  return applied;
}

} // namespace tunemantra::actors
