#include "actors/connectors/batch.hpp"

#include <atomic>

#include "actors/connector_error.hpp"
#include "actors/connectors/settings.hpp"
#include "domain/crypto.hpp"
#include "domain/time.hpp"

namespace tunemantra::actors {
namespace fs = std::filesystem;
using nlohmann::json;

ddex_settings read_ddex_settings(const json& stored) {
  ddex_settings s;
  s.recipient = {settings::stored(stored, "recipientDpid"), settings::stored(stored, "recipientName")};
  if (stored.contains("deals") && stored["deals"].is_array())
    for (const auto& d : stored["deals"]) {
      domain::ern_deal deal;
      for (const auto& cm : d.value("commercialModels", json::array()))
        deal.commercial_models.push_back(cm.get<std::string>());
      for (const auto& use : d.value("useTypes", json::array()))
        deal.use_types.push_back(use.get<std::string>());
      s.deals.push_back(std::move(deal));
    }
  s.manifest =
      domain::parse_manifest_kind(settings::stored(stored, "manifest")).value_or(domain::manifest_kind::ern_c_sftp_16);
  return s;
}

void check_ddex_settings(const json& in, json& out) {
  const auto dpid = settings::text(in, "recipientDpid", true, 100);
  if (!dpid.starts_with("PADPIDA") || dpid.size() < 8)
    throw invalid_settings("recipientDpid", "must be a DDEX party id (PADPIDA...)");
  out["recipientDpid"] = dpid;
  out["recipientName"] = settings::text(in, "recipientName", true, 200);
  json deals = json::array();
  if (in.contains("deals") && !in["deals"].is_null()) {
    if (!in["deals"].is_array())
      throw invalid_settings("deals", "must be an array of {commercialModels, useTypes}");
    for (std::size_t i = 0; i < in["deals"].size(); ++i) {
      const auto& d = in["deals"][i];
      const auto field = "deals[" + std::to_string(i) + "]";
      auto strings = [&](const char* key) {
        if (!d.is_object() || !d.contains(key) || !d[key].is_array() || d[key].empty())
          throw invalid_settings(field + "." + key, "must be a non-empty array of strings");
        for (const auto& v : d[key])
          if (!v.is_string() || v.get<std::string>().empty())
            throw invalid_settings(field + "." + key, "must be a non-empty array of strings");
        return d[key];
      };
      deals.push_back({{"commercialModels", strings("commercialModels")}, {"useTypes", strings("useTypes")}});
    }
  }
  out["deals"] = std::move(deals);
  const auto manifest = settings::text(in, "manifest", false, 40);
  if (!manifest.empty() && !domain::parse_manifest_kind(manifest)) {
    std::string names;
    for (const auto k : domain::manifest_kinds())
      names += (names.empty() ? "" : ", ") + std::string(domain::to_string(k));
    throw invalid_settings("manifest", "must be one of " + names);
  }
  out["manifest"] = manifest.empty() ? std::string(domain::to_string(domain::manifest_kind::ern_c_sftp_16)) : manifest;
  out["releasesPerBatch"] = settings::integer(in, "releasesPerBatch", 1, 1, 100);
}

int releases_per_batch_of(const json& stored) { return std::max(1, stored.value("releasesPerBatch", 1)); }

void show_ddex_settings(const json& stored, json& out) {
  for (const char* key : {"recipientDpid", "recipientName", "manifest"})
    out[key] = settings::stored(stored, key);
  out["deals"] = stored.contains("deals") && stored["deals"].is_array() ? stored["deals"] : json::array();
  out["releasesPerBatch"] = releases_per_batch_of(stored);
}

json ddex_schema_properties(std::string_view type) {
  json kinds = json::array();
  for (const auto k : domain::manifest_kinds())
    kinds.push_back(std::string(domain::to_string(k)));
  const json strings = {{"type", "array"}, {"minItems", 1}, {"items", {{"type", "string"}}}};
  return {
      {"type", {{"type", "string"}, {"enum", {std::string(type)}}}},
      {"recipientDpid", {{"type", "string"}, {"pattern", "^PADPIDA"}, {"description", "the platform's DDEX party id"}}},
      {"recipientName", {{"type", "string"}}},
      {"deals",
       {{"type", "array"},
        {"description", "the deals offered; empty: ad-supported and subscription streaming, permanent download"},
        {"items",
         {{"type", "object"},
          {"required", {"commercialModels", "useTypes"}},
          {"properties", {{"commercialModels", strings}, {"useTypes", strings}}}}}}},
      {"manifest",
       {{"type", "string"},
        {"enum", kinds},
        {"default", "ern-c-sftp/16"},
        {"description", "the ManifestMessage version of BatchComplete_<BatchId>.xml, or an empty semaphore file"}}}};
}

batch_plan plan_batch(const ddex_settings& s, std::span<const send_request> requests) {
  if (requests.empty() || requests.front().delivery.batch_id.empty())
    throw std::logic_error("plan_batch: no delivery, or one without its BatchId");
  const auto& first = requests.front();
  batch_plan plan;
  plan.batch_id = first.delivery.batch_id;
  plan.folder = domain::batch_folder(plan.batch_id);
  const auto now = domain::now_millis();
  domain::manifest m;
  m.sender = {first.config.sender_dpid, first.config.sender_name};
  m.recipient = s.recipient;
  m.created_at = domain::format_rfc3339(now);
  m.test = first.config.test_messages;
  m.batch_id = plan.batch_id;
  std::vector<batch_file> messages;
  for (const auto& r : requests) {
    if (r.delivery.batch_id != plan.batch_id)
      throw std::logic_error("plan_batch: deliveries of different batches");
    const auto& pkg = r.package;
    const auto release = pkg.rel.upc + "/";
    auto add_file = [&](std::string path, const std::string& stored, const std::string& sha256) {
      batch_file f;
      f.path = release + std::move(path);
      f.source = r.media_root / stored;
      std::error_code ec;
      f.size = fs::file_size(f.source, ec);
      if (ec)
        throw permanent_failure("media file " + stored + " is missing: " + ec.message());
      f.sha256 = sha256;
      plan.files.push_back(std::move(f));
    };
    for (const auto& t : pkg.tracks)
      add_file(track_file(pkg, t), t.audio->file, t.audio->sha256);
    add_file(artwork_file(pkg), pkg.rel.artwork->file, pkg.rel.artwork->sha256);
    batch_file message;
    message.path = release + pkg.rel.upc + ".xml";
    message.bytes = domain::build_ern(make_message(s.recipient, s.deals, pkg, r.delivery, r.config, now));
    message.size = message.bytes.size();
    message.sha256 = domain::crypto::sha256_hex(message.bytes);
    m.messages.push_back({r.delivery.message_id, message.path, pkg.rel.upc, r.delivery.action, message.sha256});
    messages.push_back(std::move(message));
  }
  // Every release's resources, then the messages, then the manifest.
  for (auto& message : messages)
    plan.files.push_back(std::move(message));
  batch_file manifest;
  manifest.path = domain::manifest_file(plan.batch_id);
  manifest.bytes = domain::build_manifest(m, s.manifest);
  manifest.size = manifest.bytes.size();
  manifest.sha256 = domain::crypto::sha256_hex(manifest.bytes);
  plan.files.push_back(std::move(manifest));
  return plan;
}

bool manifest_completes(const std::string& text, bool semaphore, std::span<const send_request> requests) {
  if (semaphore)
    return true;
  std::size_t listed = 0;
  for (const auto& r : requests)
    listed += text.find("<MessageId>" + r.delivery.message_id + "</MessageId>") != std::string::npos ? 1 : 0;
  if (listed == requests.size())
    return true;
  if (listed == 0)
    throw batch_closed("batch " + requests.front().delivery.batch_id + " was completed without this delivery");
  return false; // some of them: this send completes it again with all of them
}

std::string next_batch_id() {
  static std::atomic<domain::millis> last{0};
  auto now = domain::now_millis();
  auto seen = last.load();
  while (true) {
    const auto next = std::max(now, seen + 1);
    if (last.compare_exchange_weak(seen, next))
      return domain::batch_id_at(next);
  }
}

} // namespace tunemantra::actors
