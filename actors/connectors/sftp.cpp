// The sftp connector: DDEX batches (batch.hpp) uploaded to the platform's SFTP server, and its
// acknowledgements read back from there. Every file goes up under a hidden temporary name, its
// remote size is checked, then it is renamed into place: resources first, the message next, the
// BatchComplete_ manifest last, so the platform never sees half a batch. A retry of the same
// delivery keeps its BatchId: files already complete are kept, partial ones are written again,
// and a batch whose manifest is in place is complete and not touched again.

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include "actors/connector_error.hpp"
#include "actors/connectors/batch.hpp"
#include "actors/connectors/registry.hpp"
#include "actors/connectors/settings.hpp"
#include "actors/connectors/sftp_client.hpp"
#include "domain/log.hpp"

namespace tunemantra::actors {
namespace {
using nlohmann::json;
using clock_type = std::chrono::steady_clock;

constexpr int default_timeout_ms = 30'000;
constexpr std::size_t ack_limit_bytes = 4 << 20;
constexpr auto idle_for = std::chrono::seconds(60); ///< a pooled session unused this long is closed

sftp_endpoint endpoint_of(const json& s) {
  sftp_endpoint e;
  e.host = settings::stored(s, "host");
  e.port = s.value("port", 22);
  e.username = settings::stored(s, "username");
  e.private_key_file = settings::stored(s, "privateKeyFile");
  e.password = settings::stored(s, "password");
  e.host_key_sha256 = settings::stored(s, "hostKeySha256");
  e.timeout_ms = s.value("timeoutMs", default_timeout_ms);
  return e;
}

/// Idle sessions per platform server, so that consecutive sends skip the SSH handshake.
class session_pool {
public:
  struct lease {
    std::unique_ptr<sftp_client> client;
    bool reused = false;
  };

  lease take(const std::string& key, const sftp_endpoint& e) {
    {
      std::lock_guard lock(mutex_);
      auto& idle = idle_[key];
      while (!idle.empty()) {
        auto entry = std::move(idle.back());
        idle.pop_back();
        if (clock_type::now() - entry.since < idle_for)
          return {std::move(entry.client), true};
      }
    }
    return {std::make_unique<sftp_client>(e), false};
  }

  void give_back(const std::string& key, std::unique_ptr<sftp_client> client, std::size_t keep) {
    std::lock_guard lock(mutex_);
    auto& idle = idle_[key];
    if (idle.size() < keep)
      idle.push_back({std::move(client), clock_type::now()});
  }

private:
  struct entry {
    std::unique_ptr<sftp_client> client;
    clock_type::time_point since;
  };
  std::mutex mutex_;
  std::map<std::string, std::vector<entry>> idle_;
};

session_pool& pool() {
  static session_pool instance;
  return instance;
}

/// Runs `work` on a session to the platform's server: a pooled one when there is one (and a new
/// one when the pooled session turns out dead), given back to the pool after success.
template <typename Work> auto with_session(const domain::platform& p, const json& s, Work&& work) {
  const auto e = endpoint_of(s);
  const auto key = std::to_string(p.id) + "\n" + p.connector.settings;
  const auto keep = static_cast<std::size_t>(s.value("maxConcurrency", 4));
  auto lease = pool().take(key, e);
  try {
    auto result = work(*lease.client);
    pool().give_back(key, std::move(lease.client), keep);
    return result;
  } catch (const permanent_failure&) {
    throw;
  } catch (const std::exception&) {
    if (!lease.reused)
      throw;
  }
  lease = {std::make_unique<sftp_client>(e), false}; // the server closed the idle session meanwhile
  auto result = work(*lease.client);
  pool().give_back(key, std::move(lease.client), keep);
  return result;
}

std::string join(const std::string& dir, const std::string& name) {
  return dir.ends_with('/') ? dir + name : dir + "/" + name;
}

std::string parent_of(const std::string& path) { return path.substr(0, path.rfind('/')); }

std::string temp_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return path.substr(0, slash + 1) + "." + path.substr(slash + 1) + ".part";
}

/// Uploads one file under its temporary name, checks its size there, and renames it into place.
void put(sftp_client& c, const batch_file& f, const std::string& remote) {
  const auto temp = temp_name(remote);
  const auto written = f.source.empty() ? c.upload_bytes(f.bytes, temp) : c.upload_file(f.source, temp);
  const auto seen = c.stat(temp);
  if (!seen || seen->size != f.size || written != f.size)
    throw std::runtime_error("sftp: " + remote + " arrived with " + std::to_string(seen ? seen->size : 0) + " of " +
                             std::to_string(f.size) + " bytes");
  c.replace(temp, remote);
}

/// "SHA256:" and the 43 base64 characters of 32 bytes (with or without its one '=' of padding).
bool is_sha256_fingerprint(std::string_view pin) {
  if (!pin.starts_with("SHA256:"))
    return false;
  auto hash = pin.substr(7);
  if (hash.ends_with('='))
    hash.remove_suffix(1);
  return hash.size() == 43 && std::all_of(hash.begin(), hash.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
         });
}

class sftp_connector final : public connector {
public:
  std::string_view type() const override { return "sftp"; }
  std::string_view summary() const override {
    return "DDEX batches uploaded to the platform's SFTP server (host key pinned); acknowledgements read from there";
  }

  json schema() const override {
    json props = ddex_schema_properties("sftp");
    props["host"] = {{"type", "string"}};
    props["port"] = {{"type", "integer"}, {"minimum", 1}, {"maximum", 65535}, {"default", 22}};
    props["username"] = {{"type", "string"}};
    props["privateKeyFile"] = {{"type", "string"},
                               {"description", "absolute path of the private key on the daemon's machine"}};
    props["password"] = {
        {"type", "string"}, {"writeOnly", true}, {"description", "password, or the key's passphrase; never shown"}};
    props["hasPassword"] = {{"type", "boolean"}, {"readOnly", true}};
    props["hostKeySha256"] = {{"type", "string"},
                              {"pattern", "^SHA256:[A-Za-z0-9+/]{43}=?$"},
                              {"description", "the server's host key fingerprint, as ssh-keygen -lf prints it"}};
    props["path"] = {{"type", "string"}, {"description", "absolute folder on the server the batches go to"}};
    props["ackPath"] = {{"type", "string"},
                        {"description", "absolute folder on the server acknowledgements appear in"}};
    props["maxConcurrency"] = {{"type", "integer"},
                               {"minimum", 1},
                               {"maximum", 64},
                               {"default", 4},
                               {"description", "SSH sessions kept open to the server"}};
    props["timeoutMs"] = {{"type", "integer"}, {"minimum", 1000}, {"maximum", 600000}, {"default", default_timeout_ms}};
    return {{"type", "object"},
            {"required", {"type", "host", "username", "hostKeySha256", "path", "recipientDpid", "recipientName"}},
            {"properties", std::move(props)}};
  }

  json check(const json& in) const override {
    json out = {{"type", "sftp"}};
    out["host"] = settings::text(in, "host", true, 253);
    out["port"] = settings::integer(in, "port", 22, 1, 65535);
    out["username"] = settings::text(in, "username", true, 100);
    const auto key = settings::absolute_path(in, "privateKeyFile", false);
    const auto password = settings::text(in, "password", false, 1000);
    if (key.empty() && password.empty())
      throw invalid_settings("privateKeyFile", "a privateKeyFile or a password is required");
    if (!key.empty())
      out["privateKeyFile"] = key;
    if (!password.empty())
      out["password"] = password;
    const auto pin = settings::text(in, "hostKeySha256", true, 100);
    if (!is_sha256_fingerprint(pin))
      throw invalid_settings("hostKeySha256", "must be the host key's SHA256:... fingerprint (ssh-keygen -lf <key>)");
    out["hostKeySha256"] = pin;
    out["path"] = settings::absolute_path(in, "path", true);
    const auto ack = settings::absolute_path(in, "ackPath", false);
    if (!ack.empty())
      out["ackPath"] = ack;
    out["maxConcurrency"] = settings::integer(in, "maxConcurrency", 4, 1, 64);
    out["timeoutMs"] = settings::integer(in, "timeoutMs", default_timeout_ms, 1000, 600'000);
    check_ddex_settings(in, out);
    return out;
  }

  json public_view(const json& stored) const override {
    json out = {{"type", "sftp"}};
    for (const char* key : {"host", "username", "privateKeyFile", "hostKeySha256", "path", "ackPath"})
      out[key] = settings::stored(stored, key);
    out["port"] = stored.value("port", 22);
    out["maxConcurrency"] = stored.value("maxConcurrency", 4);
    out["timeoutMs"] = stored.value("timeoutMs", default_timeout_ms);
    out["hasPassword"] = !settings::stored(stored, "password").empty();
    show_ddex_settings(stored, out);
    return out;
  }

  bool uses_batches() const override { return true; }

  int releases_per_batch(const json& stored) const override { return releases_per_batch_of(stored); }

  std::string send(const send_request& r) const override { return send_batch({&r, 1}); }

  std::string send_batch(std::span<const send_request> requests) const override {
    const auto& platform = requests.front().platform;
    const auto stored = settings_of(platform);
    const auto settings = read_ddex_settings(stored);
    const auto plan = plan_batch(settings, requests);
    const auto root = join(settings::stored(stored, "path"), plan.folder);
    // Only a retry finds anything of its batch on the server (a first attempt saves the look).
    const bool retry =
        std::any_of(requests.begin(), requests.end(), [](const auto& r) { return r.delivery.attempts > 0; });
    return with_session(platform, stored, [&](sftp_client& c) {
      const auto& manifest = plan.files.back();
      const auto manifest_path = join(root, manifest.path);
      if (retry && c.stat(manifest_path) &&
          manifest_completes(manifest.bytes.empty() ? std::string() : c.read_file(manifest_path, ack_limit_bytes),
                             settings.manifest == domain::manifest_kind::semaphore, requests))
        return plan.batch_id;
      std::vector<std::string> made; // folders known to exist, with their parents
      for (const auto& f : plan.files) {
        const auto remote = join(root, f.path);
        const auto dir = parent_of(remote);
        if (std::none_of(made.begin(), made.end(),
                         [&](const std::string& m) { return m == dir || m.starts_with(dir + "/"); })) {
          c.make_dirs(dir);
          made.push_back(dir);
        }
        if (retry && &f != &manifest && !f.source.empty())
          if (const auto seen = c.stat(remote); seen && seen->size == f.size)
            continue; // renamed into place by an earlier attempt: complete
        put(c, f, remote);
      }
      return plan.batch_id;
    });
  }

  std::vector<ack_file> fetch_acknowledgements(const domain::platform& p) const override {
    const auto stored = settings_of(p);
    const auto dir = settings::stored(stored, "ackPath");
    if (dir.empty())
      return {};
    return with_session(p, stored, [&](sftp_client& c) {
      std::vector<ack_file> out;
      if (!c.stat(dir))
        return out;
      const auto now =
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      for (const auto& e : c.list(dir)) {
        if (!e.regular || e.name.starts_with(".") || !e.name.ends_with(".xml"))
          continue;
        ack_file a;
        a.name = e.name;
        a.bytes = c.read_file(join(dir, e.name), ack_limit_bytes);
        a.age_ms = (now - e.mtime) * 1000;
        out.push_back(std::move(a));
      }
      return out;
    });
  }

  void settle_acknowledgement(const domain::platform& p, const ack_file& a) const override {
    const auto stored = settings_of(p);
    const auto dir = settings::stored(stored, "ackPath");
    with_session(p, stored, [&](sftp_client& c) {
      c.make_dirs(join(dir, "processed"));
      c.replace(join(dir, a.name), join(join(dir, "processed"), a.name));
      return true;
    });
  }
};

} // namespace

const connector& sftp() {
  static const sftp_connector instance;
  return instance;
}

} // namespace tunemantra::actors
