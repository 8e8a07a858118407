// bench/distribution_throughput: N releases x M platforms through the real tunemantrad, half of
// the platforms http (a fake platform in this process), half ddex-folder (batches written to a
// temp folder). Prints deliveries/second, p50/p99 from job creation (the 202) to delivered, and
// the daemon's peak RSS. bench/run.sh runs it on SQLite and PostgreSQL next to pgbench -N.
//
//   distribution_throughput --url <database url> [--releases 200] [--platforms 4] [--label sqlite] [--bulk]
//
// --bulk sends all releases as one bulk distribution (POST /api/bulk-distributions does the same
// store call) and prints the bulk table instead: total time, deliveries/s, peak RSS, RSS per
// in-flight delivery (peak over idle, divided by the platforms' concurrency) and database growth.
//
// --nodes N starts N daemons on the same (PostgreSQL) database and prints the cluster table
// (bench/cluster.sh); --kill-at F SIGKILLs the node holding the most leases once a fraction F of
// the deliveries is done and reports how long until its jobs were all held by other nodes.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <soci/postgresql/soci-postgresql.h>
#include <nlohmann/json.hpp>
#include <soci/soci.h>

#include "domain/crypto.hpp"
#include "domain/time.hpp"
#include "persistence/store.hpp"
#include "tests/support/delivery_seed.hpp"
#include "tests/support/fake_platform.hpp"
#include "tests/support/media_fixtures.hpp"
#include "tests/support/test_support.hpp"

namespace tmn = tunemantra;
using namespace std::chrono_literals;

namespace {

/// VmHWM (peak) or VmRSS (now) of a process, KiB.
long rss_kib(int pid, const std::string& field = "VmHWM:") {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0)
      return std::stol(line.substr(field.size()));
  return 0;
}

/// Bytes the database takes: the SQLite file and its WAL, or pg_database_size.
long long database_bytes(const std::string& url) {
  if (url.rfind("sqlite://", 0) == 0) {
    long long total = 0;
    for (const auto* suffix : {"", "-wal"}) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(url.substr(9) + suffix, ec);
      total += ec ? 0 : static_cast<long long>(size);
    }
    return total;
  }
  soci::session s(soci::postgresql, url + "?connect_timeout=10"); // libpq reads the URI as its conninfo
  long long size = 0;
  s << "SELECT pg_database_size(current_database())", soci::into(size);
  return size;
}

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name)
      return argv[i + 1];
  return fallback;
}

} // namespace

int main(int argc, char** argv) {
  const auto url = arg(argc, argv, "--url", "");
  const int releases = std::stoi(arg(argc, argv, "--releases", "200"));
  const int platforms = std::stoi(arg(argc, argv, "--platforms", "4"));
  const auto label = arg(argc, argv, "--label", "db");
  const bool bulk = std::find_if(argv + 1, argv + argc, [](const char* a) { return std::string(a) == "--bulk"; }) != argv + argc;
  const int node_count = std::stoi(arg(argc, argv, "--nodes", "0"));
  const double kill_at = std::stod(arg(argc, argv, "--kill-at", "0"));
  if (url.empty()) {
    std::cerr << "usage: distribution_throughput --url <database url> [--releases N] [--platforms M] [--label name]\n";
    return 2;
  }
  tmn::test::temp_dir dir;
  const auto media = dir.path() / "media";
  std::filesystem::create_directories(media / "audio");
  std::filesystem::create_directories(media / "artwork");
  // One real audio file and cover, shared by every release (the folder connector links or copies them).
  const auto files = tmn::test::write_real_media(media);

  tmn::test::fake_platform fake;
  tmn::config::database_config dbc;
  dbc.url = url;
  auto store = tmn::persistence::open_store(dbc);
  store->migrate();
  const auto account = tmn::test::seed_account(*store);
  std::vector<std::int64_t> platform_ids;
  for (int i = 0; i < platforms; ++i) {
    auto p = tmn::test::http_platform("p" + std::to_string(i), fake.url());
    p.max_concurrency = 8;
    p.rate_per_minute = 1'000'000;
    if (i % 2 == 1) {
      const auto drop = (dir.path() / ("drop" + std::to_string(i))).string();
      const auto ack = (dir.path() / ("ack" + std::to_string(i))).string();
      p.connector = tmn::domain::connector_from_stored(nlohmann::json{{"type", "ddex-folder"}, {"path", drop}, {"ackPath", ack},
                                                                      {"recipientDpid", "PADPIDA2011072101T"},
                                                                      {"recipientName", p.name}, {"manifest", "ern-c-sftp/16"}}
                                                         .dump());
      std::filesystem::create_directories(drop);
      std::filesystem::create_directories(ack);
    }
    platform_ids.push_back(store->delivery().create_platform(p)->id);
  }
  // The catalog is there before the clock starts: the benchmark times distribution, not seeding.
  std::vector<std::int64_t> release_ids;
  for (int r = 0; r < releases; ++r)
    release_ids.push_back(tmn::test::seed_ready_release(*store, account, "Release " + std::to_string(r), files));

  const std::map<std::string, std::string> env = {{"TUNEMANTRA_DATABASE_URL", url},
                                                  {"TUNEMANTRA_HTTP_PORT", "0"},
                                                  {"TUNEMANTRA_MEDIA_DIR", media.string()},
                                                  {"TUNEMANTRA_JOBS_POLL_INTERVAL_MS", "50"}};
  // One node, or a cluster (each node its own id; short leases so a takeover is quick to see).
  std::vector<std::unique_ptr<tmn::test::process>> nodes;
  for (int n = 0; n < std::max(node_count, 1); ++n) {
    auto e = env;
    if (node_count > 0) {
      e["TUNEMANTRA_CLUSTER_NODE_ID"] = "n" + std::to_string(n + 1);
      e["TUNEMANTRA_CLUSTER_LEASE_MS"] = "2000";
      e["TUNEMANTRA_CLUSTER_HEARTBEAT_MS"] = "400";
      e["TUNEMANTRA_CLUSTER_CLAIM_BATCH"] = "16";
      e["TUNEMANTRA_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS"] = "1000";
    }
    nodes.push_back(std::make_unique<tmn::test::process>(TM_DAEMON_PATH, std::vector<std::string>{}, e));
  }
  for (auto& node : nodes)
    if (!node->wait_for_log("daemon started", 30s)) {
      std::cerr << "tunemantrad did not start:\n" << node->err();
      return 1;
    }
  auto& daemon = *nodes.front();

  const long idle_rss = rss_kib(daemon.pid(), "VmRSS:");
  const long long bytes_before = database_bytes(url);
  // Distributions arrive from 4 clients at once, as the distribution endpoint creates them; or as
  // one bulk job.
  const int clients = bulk ? 0 : 4;
  std::vector<std::vector<std::int64_t>> made(clients);
  std::vector<std::thread> senders;
  for (int c = 0; c < clients; ++c)
    senders.emplace_back([&, c] {
      std::vector<std::int64_t> mine;
      for (std::size_t i = static_cast<std::size_t>(c); i < release_ids.size(); i += clients)
        mine.push_back(release_ids[i]);
      made[static_cast<std::size_t>(c)] = tmn::test::seed_distributions(*store, account, mine, platform_ids);
    });
  for (auto& t : senders)
    t.join();
  std::vector<std::int64_t> jobs;
  for (const auto& m : made)
    jobs.insert(jobs.end(), m.begin(), m.end());
  if (bulk) {
    tmn::domain::new_job nj;
    nj.account_id = account.user_id;
    nj.kind = "bulk_distribution";
    nj.payload = "{\"platformIds\": [" + [&] {
      std::string ids;
      for (const auto id : platform_ids)
        ids += (ids.empty() ? "" : ", ") + std::to_string(id);
      return ids;
    }() + "]}";
    jobs.push_back(store->delivery().create_bulk(nj, release_ids).id);
  }
  long long takeover_ms = -1;
  if (kill_at > 0 && nodes.size() > 1) {
    const auto total = static_cast<std::size_t>(releases) * static_cast<std::size_t>(platforms);
    auto done = [&] {
      std::size_t n = 0;
      for (const auto job : jobs)
        for (const auto& c : store->delivery().delivery_counts(job))
          n += tmn::domain::is_settled(c.status) ? static_cast<std::size_t>(c.count) : 0;
      return n;
    };
    while (static_cast<double>(done()) < kill_at * static_cast<double>(total))
      std::this_thread::sleep_for(20ms);
    std::map<std::string, int> held;
    for (const auto& l : store->cluster().view().leases)
      ++held[l.owner];
    std::size_t victim = 0;
    for (std::size_t n = 1; n < nodes.size(); ++n)
      if (held["n" + std::to_string(n + 1)] > held["n" + std::to_string(victim + 1)])
        victim = n;
    const auto victim_id = "n" + std::to_string(victim + 1);
    nodes[victim]->signal(SIGKILL);
    nodes[victim]->wait(10s);
    const auto killed = std::chrono::steady_clock::now();
    for (;;) { // until no job still to run is held (or left expiring) by the dead node
      bool theirs = false;
      for (const auto& l : store->cluster().view().leases)
        theirs = theirs || l.owner == victim_id;
      if (!theirs)
        break;
      std::this_thread::sleep_for(10ms);
    }
    takeover_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed).count();
  }
  for (int i = 0; i < 6000 && !store->active_jobs().empty(); ++i) // up to 10 minutes
    std::this_thread::sleep_for(100ms);
  std::vector<tmn::domain::delivery> all;
  for (const auto job : jobs)
    for (const auto& d : store->delivery().deliveries_of_job(job))
      all.push_back(d);
  const long rss = rss_kib(daemon.pid());
  const long long bytes_after = database_bytes(url);
  for (auto& node : nodes)
    if (node->running()) {
      node->signal(SIGTERM);
      node->wait(30s);
    }

  std::vector<double> latencies;
  tmn::domain::millis first = INT64_MAX, last = 0;
  int delivered = 0;
  for (const auto& d : all) {
    first = std::min(first, d.created_at);
    if (d.status == tmn::domain::delivery_status::delivered && d.delivered_at) {
      ++delivered;
      last = std::max(last, *d.delivered_at);
      latencies.push_back(static_cast<double>(*d.delivered_at - d.created_at));
    }
  }
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double q) { return latencies.empty() ? 0.0 : latencies[static_cast<std::size_t>(q * (latencies.size() - 1))]; };
  const double seconds = std::max(1.0, static_cast<double>(last - first)) / 1000.0;
  if (node_count > 0) {
    std::printf("| %5d | %14d x %d | %9d | %12.1f | %6.0f | %6.0f | %11s |\n", node_count, releases, platforms, delivered,
                delivered / seconds, pct(0.50), pct(0.99),
                takeover_ms < 0 ? "-" : (std::to_string(takeover_ms) + " ms").c_str());
  } else if (bulk) {
    const auto job = store->find_job(jobs.front());
    const double total_s = static_cast<double>(job->updated_at - job->created_at) / 1000.0;
    const int in_flight = 8 * platforms; // each platform's maxConcurrency
    std::printf("| %-10s | %14d x %d | %9d | %7.1f | %12.1f | %12.1f | %21.1f | %14.1f | %s\n", label.c_str(), releases,
                platforms, delivered, total_s, delivered / seconds, rss / 1024.0,
                static_cast<double>(rss - idle_rss) / in_flight, static_cast<double>(bytes_after - bytes_before) / 1048576.0,
                std::string(tmn::domain::to_string(job->status)).c_str());
  } else {
    std::printf("| %-10s | %14d x %d | %9d | %12.1f | %6.0f | %6.0f | %12.1f |\n", label.c_str(), releases, platforms,
                delivered, delivered / seconds, pct(0.50), pct(0.99), rss / 1024.0);
  }
  return delivered == static_cast<int>(all.size()) && !all.empty() ? 0 : 1;
}
