// bench/sftp: N releases (a 5.5 MB WAV and a 3000x3000 JPEG each) through the real tunemantrad
// and its sftp connector to a local OpenSSH server, next to OpenSSH's own `sftp -b` uploading the
// same files to the same server in the same run (the limit on this machine). Prints one table:
// MB/s and files/s of each, deliveries/s of the daemon, and the daemon's share of sftp's MB/s.
//
//   sftp --url <database url> [--releases 30] [--rounds 3] [--label sqlite]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/crypto.hpp"
#include "domain/time.hpp"
#include "persistence/store.hpp"
#include "tests/support/delivery_seed.hpp"
#include "tests/support/media_fixtures.hpp"
#include "tests/support/sshd.hpp"
#include "tests/support/test_support.hpp"

namespace tmn = tunemantra;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name)
      return argv[i + 1];
  return fallback;
}

/// Bytes of every regular file under `dir`.
std::uintmax_t bytes_under(const fs::path& dir) {
  std::uintmax_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file())
      total += e.file_size();
  return total;
}

} // namespace

int main(int argc, char** argv) {
  const auto url = arg(argc, argv, "--url", "");
  const int releases = std::stoi(arg(argc, argv, "--releases", "30"));
  const auto label = arg(argc, argv, "--label", "db");
  const int rounds = std::stoi(arg(argc, argv, "--rounds", "3"));
  if (url.empty()) {
    std::cerr << "usage: sftp --url <database url> [--releases N] [--label name]\n";
    return 2;
  }
  tmn::test::temp_dir dir;
  tmn::test::sshd_server sshd;
  const auto media = dir.path() / "media";
  const auto files = tmn::test::write_real_media(media);
  const auto& wav_sha = files.audio_sha256;
  const auto& jpeg_sha = files.artwork_sha256;

  // The baseline: OpenSSH's sftp uploads the same files, one release folder each, into a folder
  // of its own per round.
  auto run_sftp = [&](int round) {
    const auto baseline = sshd.root() / ("baseline" + std::to_string(round));
    fs::create_directories(baseline);
    const auto script = dir.path() / ("sftp" + std::to_string(round) + ".batch");
    {
      std::ofstream batch(script);
      for (int r = 0; r < releases; ++r) {
        const auto folder = baseline / ("r" + std::to_string(r));
        batch << "mkdir " << folder.string() << "\n"
              << "put " << (media / "audio" / (wav_sha + ".wav")).string() << " " << (folder / "a.wav").string() << "\n"
              << "put " << (media / "artwork" / (jpeg_sha + ".jpg")).string() << " " << (folder / "c.jpg").string()
              << "\n";
      }
    }
    const auto command = "sftp -q -b '" + script.string() + "' -i '" + sshd.user_key().string() + "' -P " +
                         std::to_string(sshd.port()) + " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null " +
                         sshd.user() + "@127.0.0.1 >/dev/null";
    const auto start = std::chrono::steady_clock::now();
    if (std::system(command.c_str()) != 0)
      throw std::runtime_error("sftp -b failed: " + command);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::make_pair(static_cast<double>(bytes_under(baseline)), seconds);
  };

  tmn::config::database_config dbc;
  dbc.url = url;
  auto store = tmn::persistence::open_store(dbc);
  store->migrate();
  const auto account = tmn::test::seed_account(*store);
  // Two platforms on the same server: one SSH session at a time (as sftp -b), and four.
  std::vector<std::int64_t> platforms;
  for (const int sessions : {1, 4}) {
    auto p = tmn::test::http_platform("dsp" + std::to_string(sessions), "http://unused/");
    p.max_concurrency = sessions;
    p.rate_per_minute = 1'000'000;
    auto settings = sshd.connector(sshd.root() / ("inbox" + std::to_string(sessions)));
    settings["maxConcurrency"] = sessions;
    p.connector = tmn::domain::connector_from_stored(settings.dump());
    platforms.push_back(store->delivery().create_platform(p)->id);
  }
  std::vector<std::int64_t> release_ids;
  for (int r = 0; r < releases; ++r)
    release_ids.push_back(tmn::test::seed_ready_release(*store, account, "Release " + std::to_string(r), files));

  tmn::test::process daemon{TM_DAEMON_PATH,
                            {},
                            {{"TUNEMANTRA_DATABASE_URL", url},
                             {"TUNEMANTRA_HTTP_PORT", "0"},
                             {"TUNEMANTRA_MEDIA_DIR", media.string()},
                             {"TUNEMANTRA_JOBS_POLL_INTERVAL_MS", "50"},
                             {"TUNEMANTRA_DELIVERY_SENDER_DPID", "PADPIDA2014120301X"}}};
  if (!daemon.wait_for_log("daemon started", 30s)) {
    std::cerr << "tunemantrad did not start:\n" << daemon.err();
    return 1;
  }
  // Rounds interleave the uploaders, so that whatever else the machine does meanwhile falls on
  // each of them alike; the table shows each one's median round.
  struct sample {
    double bytes = 0, seconds = 0;
    int delivered = 0;
  };
  std::map<std::string, std::vector<sample>> runs;
  bool ok = true;
  for (int round = 0; round < rounds; ++round) {
    const auto [bytes, seconds] = run_sftp(round);
    runs["sftp -b"].push_back({bytes, seconds, 0});
    for (std::size_t i = 0; i < platforms.size(); ++i) {
      const int sessions = i == 0 ? 1 : 4;
      const auto inbox = sshd.root() / ("inbox" + std::to_string(sessions));
      const auto before = fs::exists(inbox) ? bytes_under(inbox) : 0;
      const auto jobs = tmn::test::seed_distributions(*store, account, release_ids, {platforms[i]});
      const auto start = std::chrono::steady_clock::now();
      for (int w = 0; w < 30000 && !store->active_jobs().empty(); ++w)
        std::this_thread::sleep_for(5ms);
      const double daemon_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      int delivered = 0, total = 0;
      for (const auto job : jobs)
        for (const auto& d : store->delivery().deliveries_of_job(job)) {
          ++total;
          delivered += d.status == tmn::domain::delivery_status::delivered ? 1 : 0;
        }
      ok = ok && delivered == total && total == releases;
      const auto name = "daemon, " + std::to_string(sessions) + " session" + (sessions > 1 ? "s" : "");
      runs[name].push_back({static_cast<double>(bytes_under(inbox) - before), daemon_s, delivered});
    }
  }
  auto median = [](std::vector<sample> v) {
    std::sort(v.begin(), v.end(),
              [](const sample& a, const sample& b) { return a.bytes / a.seconds < b.bytes / b.seconds; });
    return v[v.size() / 2];
  };
  const double mb = 1e6;
  const auto base = median(runs["sftp -b"]);
  const double sftp_rate = base.bytes / mb / base.seconds;
  for (const auto* name : {"sftp -b", "daemon, 1 session", "daemon, 4 sessions"}) {
    const auto m = median(runs[name]);
    const double rate = m.bytes / mb / m.seconds;
    const bool daemon_run = std::string(name) != "sftp -b";
    std::printf("| %-10s | %-18s | %8d | %9.1f | %7.2f | %8.1f | %12s | %6.0f %% |\n", label.c_str(), name, releases,
                m.bytes / mb, m.seconds, rate,
                daemon_run ? std::to_string(m.delivered / m.seconds).substr(0, 5).c_str() : "-",
                100.0 * rate / sftp_rate);
  }
  daemon.signal(SIGTERM);
  daemon.wait(30s);
  return ok ? 0 : 1;
}
