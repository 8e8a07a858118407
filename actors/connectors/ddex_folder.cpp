// The ddex-folder connector: each delivery is written as a DDEX batch (batch.hpp) into a folder
// of this machine (a platform's drop mounted here, or a folder a transfer agent picks up), and
// acknowledgement files are read from another. The batch is assembled under a hidden name and
// renamed into place, then its manifest is written through a temporary name: a platform never
// sees half a batch. Read acknowledgements move to <ackPath>/processed/.

#include <chrono>
#include <fstream>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include "actors/connectors/batch.hpp"
#include "actors/connectors/registry.hpp"
#include "actors/connectors/settings.hpp"

namespace tunemantra::actors {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

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
void place(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_hard_link(from, to, ec);
  if (ec)
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

class ddex_folder_connector final : public connector {
public:
  std::string_view type() const override { return "ddex-folder"; }
  std::string_view summary() const override {
    return "DDEX batches written to a folder of this machine; acknowledgements read from another";
  }

  json schema() const override {
    json props = ddex_schema_properties("ddex-folder");
    props["path"] = {{"type", "string"}, {"description", "absolute folder the batches are written to"}};
    props["ackPath"] = {{"type", "string"},
                        {"description", "absolute folder the platform's acknowledgements arrive in"}};
    return {{"type", "object"},
            {"required", {"type", "path", "ackPath", "recipientDpid", "recipientName"}},
            {"properties", std::move(props)}};
  }

  json check(const json& in) const override {
    json out = {{"type", "ddex-folder"}};
    out["path"] = settings::absolute_path(in, "path", true);
    out["ackPath"] = settings::absolute_path(in, "ackPath", true);
    check_ddex_settings(in, out);
    for (const char* key : {"path", "ackPath"}) {
      const std::string dir = out[key];
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec || ::access(dir.c_str(), W_OK) != 0)
        throw invalid_settings(key, "the daemon cannot write to " + dir);
    }
    return out;
  }

  json public_view(const json& stored) const override {
    json out = {{"type", "ddex-folder"},
                {"path", settings::stored(stored, "path")},
                {"ackPath", settings::stored(stored, "ackPath")}};
    show_ddex_settings(stored, out);
    return out;
  }

  bool uses_batches() const override { return true; }

  int releases_per_batch(const json& stored) const override { return releases_per_batch_of(stored); }

  std::string send(const send_request& r) const override { return send_batch({&r, 1}); }

  std::string send_batch(std::span<const send_request> requests) const override {
    const auto stored = settings_of(requests.front().platform);
    const auto settings = read_ddex_settings(stored);
    const auto plan = plan_batch(settings, requests);
    const fs::path root(settings::stored(stored, "path"));
    const auto staging = root / ("." + plan.folder + ".partial");
    const auto batch = root / plan.folder;
    const auto& manifest = plan.files.back();
    std::error_code ec;
    if (fs::exists(batch / manifest.path, ec)) { // an earlier attempt completed this batch (same BatchId)
      std::ifstream in(batch / manifest.path, std::ios::binary);
      const std::string text((std::istreambuf_iterator<char>(in)), {});
      if (manifest_completes(text, settings.manifest == domain::manifest_kind::semaphore, requests))
        return plan.batch_id;
    }
    fs::remove_all(staging);
    for (const auto& f : plan.files) {
      if (&f == &manifest)
        break;
      fs::create_directories((staging / f.path).parent_path());
      if (f.source.empty())
        write_file_synced(staging / f.path, f.bytes);
      else
        place(f.source, staging / f.path);
    }
    fs::remove_all(batch); // an earlier attempt's batch without its manifest: incomplete
    fs::rename(staging, batch);
    const auto temp = batch / ("." + manifest.path + ".tmp");
    write_file_synced(temp, manifest.bytes);
    fs::rename(temp, batch / manifest.path);
    return plan.batch_id;
  }

  std::vector<ack_file> fetch_acknowledgements(const domain::platform& p) const override {
    std::vector<ack_file> out;
    const auto dir = settings::stored(settings_of(p), "ackPath");
    if (dir.empty())
      return out;
    std::error_code ec;
    const auto now = fs::file_time_type::clock::now();
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (!entry.is_regular_file(ec) || entry.path().extension() != ".xml" ||
          entry.path().filename().string().starts_with("."))
        continue;
      ack_file a;
      a.name = entry.path().filename().string();
      std::ifstream in(entry.path(), std::ios::binary);
      a.bytes.assign(std::istreambuf_iterator<char>(in), {});
      a.age_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - entry.last_write_time(ec)).count();
      out.push_back(std::move(a));
    }
    return out;
  }

  void settle_acknowledgement(const domain::platform& p, const ack_file& a) const override {
    const fs::path dir(settings::stored(settings_of(p), "ackPath"));
    fs::create_directories(dir / "processed");
    fs::rename(dir / a.name, dir / "processed" / a.name);
  }
};

} // namespace

const connector& ddex_folder() {
  static const ddex_folder_connector instance;
  return instance;
}

} // namespace tunemantra::actors
