// bench/sales_import: a generated DDEX DSR flat file of N usage lines (SU02, over R recordings of
// one label, two summaries: GB in GBP and US in USD) POSTed to the real tunemantrad and imported by
// its sales_import job; then a royalty period over those rows calculated by the
// royalty_calculation job. Prints lines/second (from the first byte sent to the job's end), the
// daemon's peak RSS and the calculation time. On PostgreSQL it also COPYs the same rows into a
// table like usage_rows (same columns and indexes) in the same run, as the baseline.
//
//   sales_import --url <database url> [--lines 1000000] [--recordings 1000] [--label sqlite] [--keep-dsr FILE]

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include <httplib.h>
#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <nlohmann/json.hpp>

#include "bench/flags.hpp"
#include "persistence/store.hpp"
#include "tests/support/dsr_writer.hpp"
#include "tests/support/sales_seed.hpp"
#include "tests/support/test_support.hpp"

namespace tmn = tunemantra;
using namespace std::chrono_literals;
using nlohmann::json;
using seconds_d = std::chrono::duration<double>;

namespace {

long peak_rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0)
      return std::stol(line.substr(6));
  return 0;
}

struct generated_row {
  std::int64_t line;
  const char* territory;
  const char* currency;
  std::string isrc, upc;
  std::int64_t quantity;
};

/// Calls `each` for every usage row of the file: deterministic, so the DSR and the COPY baseline
/// carry the same rows.
template <class F>
void for_each_row(const std::vector<tmn::test::seeded_recording>& recs, const std::vector<std::string>& upcs,
                  std::int64_t lines, F&& each) {
  for (std::int64_t i = 0; i < lines; ++i) {
    const auto r = static_cast<std::size_t>((i * 7919) % static_cast<std::int64_t>(recs.size()));
    each(i, i % 2 == 0 ? "GB" : "US", i % 2 == 0 ? "GBP" : "USD", recs[r].isrc, upcs[r], 1 + (i * 31) % 500);
  }
}

/// The DSR, Basic Audio Profile 1.2 as DDEX's XSD lays it out (tests/support/dsr_writer): HEAD,
/// two subscription summaries (even lines GB/GBP, odd US/USD), one block per usage line (RE01,
/// AS02.02 with its work's ISWC, SU02), FOOT. Streamed to the file; DDEX's checker passes it (bench/smoke.sh).
void write_dsr(const std::filesystem::path& path, const std::vector<tmn::test::seeded_recording>& recs,
               const std::vector<std::string>& upcs, std::int64_t lines) {
  std::int64_t usages[2] = {0, 0};
  for_each_row(recs, upcs, lines, [&](std::int64_t i, auto, auto, auto&, auto&, std::int64_t q) { usages[i % 2] += q; });
  std::ofstream out(path, std::ios::binary);
  tmn::test::dsr_writer w("BasicAudioProfile", "1.2", &out);
  w.head("BENCH-" + std::to_string(lines), "StreamCo", "2026-10-01", "2026-10-31");
  for (int s = 0; s < 2; ++s)
    w.record("SY01.01", {{"SummaryRecordId", s == 0 ? "S1" : "S2"}, {"CommercialModel", "SubscriptionModel"},
                         {"UseType", "OnDemandStream"}, {"Territory", s == 0 ? "GB" : "US"}, {"ServiceDescription", "Premium"},
                         {"Usages", std::to_string(usages[s])}, {"Subscribers", "10"},
                         {"CurrencyOfReporting", s == 0 ? "GBP" : "USD"},
                         {"NetRevenue", std::to_string(usages[s] / (s == 0 ? 250 : 200)) + ".00"}});
  for_each_row(recs, upcs, lines, [&](std::int64_t i, auto, auto, const std::string& isrc, const std::string& upc, std::int64_t q) {
    const auto b = std::to_string(i + 1);
    w.record("RE01", {{"BlockId", b}, {"ReleaseReference", "R1"}, {"DspReleaseId", "r" + b}, {"ICPN", upc},
                      {"DisplayArtistName", "The Artist"}, {"Title", "Title"}});
    w.record("AS02.02", {{"BlockId", b}, {"ResourceReference", "A1"}, {"DspResourceId", "a" + b}, {"ISRC", isrc},
                         {"Title", "Song"}, {"DisplayArtistName", "The Artist"}, {"ResourceType", "SoundRecording"},
                         {"ISWC", "T0345246801"}});
    w.record("SU02", {{"BlockId", b}, {"SummaryRecordId", i % 2 == 0 ? "S1" : "S2"}, {"SalesTransactionId", "T" + b},
                      {"TransactedRelease", "R1"}, {"TransactedResource", "A1"}, {"IsRoyaltyBearing", "true"},
                      {"NumberOfStreams", std::to_string(q)}});
  });
  w.finish();
}

/// COPY of the same rows (revenue left 0: the split is the import's work) into usage_copy, a table
/// LIKE usage_rows with its indexes; seconds.
double copy_baseline(const std::string& url, const std::vector<tmn::test::seeded_recording>& recs,
                     const std::vector<std::string>& upcs, std::int64_t lines) {
  soci::session s(soci::postgresql, url + "?connect_timeout=10"); // libpq reads the URI as its conninfo
  s << "DROP TABLE IF EXISTS usage_copy";
  s << "CREATE TABLE usage_copy (LIKE usage_rows INCLUDING ALL)";
  auto* conn = static_cast<soci::postgresql_session_backend*>(s.get_backend())->conn_;
  const auto t0 = std::chrono::steady_clock::now();
  PQclear(PQexec(conn, "COPY usage_copy (report_id, account_id, file_number, line, platform, territory, usage_start, "
                       "usage_end, isrc, upc, use_type, quantity, revenue_micros, currency, recording_id, release_id, iswc, "
                       "work_title) FROM STDIN"));
  std::string chunk;
  for_each_row(recs, upcs, lines, [&](std::int64_t i, const char* territory, const char* currency, const std::string& isrc,
                                      const std::string& upc, std::int64_t q) {
    const auto r = (i * 7919) % static_cast<std::int64_t>(recs.size());
    chunk += "1\t1\t1\t" + std::to_string(i + 4) + "\tStreamCo\t" + territory + "\t2026-10-01\t2026-10-31\t" + isrc + "\t" + upc +
             "\tOnDemandStream\t" + std::to_string(q) + "\t0\t" + currency + "\t" + std::to_string(recs[r].recording_id) +
             "\t" + std::to_string(recs[r].release_id) + "\tT0345246801\tSong\n";
    if (chunk.size() > (1 << 20)) {
      PQputCopyData(conn, chunk.data(), static_cast<int>(chunk.size()));
      chunk.clear();
    }
  });
  PQputCopyData(conn, chunk.data(), static_cast<int>(chunk.size()));
  PQputCopyEnd(conn, nullptr);
  while (PGresult* res = PQgetResult(conn)) {
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
      std::cerr << "COPY failed: " << PQresultErrorMessage(res);
    PQclear(res);
  }
  const double took = seconds_d(std::chrono::steady_clock::now() - t0).count();
  s << "DROP TABLE usage_copy";
  return took;
}

json wait_job(httplib::Client& c, std::int64_t job) {
  for (;;) {
    auto r = c.Get("/api/jobs/" + std::to_string(job) + "?waitSeconds=5");
    if (r && r->status == 200) {
      auto view = json::parse(r->body)["data"];
      const auto status = view["status"].get<std::string>();
      if (status == "succeeded" || status == "failed" || status == "cancelled" || status == "partially_failed")
        return view;
    } else if (!r || r->status != 304) {
      std::this_thread::sleep_for(100ms);
    }
  }
}

} // namespace

int main(int argc, char** argv) {
  const tmn::bench::flags f(argc, argv);
  const auto url = f.text("--url"), label = f.text("--label", "sqlite");
  const std::int64_t lines = f.number("--lines", 1'000'000);
  const int recordings = static_cast<int>(f.number("--recordings", 1000));
  if (url.empty()) {
    std::cerr << "usage: sales_import --url <database url> [--lines N] [--recordings R] [--label name]\n";
    return 2;
  }
  tmn::test::temp_dir dir;
  tmn::config::database_config dbc;
  dbc.url = url;
  auto store = tmn::persistence::open_store(dbc);
  store->migrate();
  const auto account = tmn::test::seed_account(*store);
  const auto recs = tmn::test::seed_recordings(*store, account, recordings);
  tmn::test::seed_splits(*store, account, recs, 5);
  std::vector<std::string> upcs;
  for (const auto& r : recs)
    upcs.push_back(store->catalog().find_release(account.user_id, r.release_id)->upc);
  const auto key =
    store->accounts().create_key(account.user_id, "bench", tmn::domain::scopes_of(tmn::domain::role::label), std::nullopt).secret;
  const auto file = dir.path() / "report.tsv";
  write_dsr(file, recs, upcs, lines);
  if (const auto keep = f.text("--keep-dsr"); !keep.empty()) // for DDEX's checker (bench/smoke.sh)
    std::filesystem::copy_file(file, keep, std::filesystem::copy_options::overwrite_existing);
  const auto file_bytes = std::filesystem::file_size(file);

  const int port = tmn::test::free_port();
  const std::map<std::string, std::string> env = {{"TUNEMANTRA_DATABASE_URL", url},
                                                  {"TUNEMANTRA_HTTP_PORT", std::to_string(port)},
                                                  {"TUNEMANTRA_MEDIA_DIR", (dir.path() / "media").string()},
                                                  {"TUNEMANTRA_JOBS_POLL_INTERVAL_MS", "50"}};
  tmn::test::process daemon{TM_DAEMON_PATH, {}, env};
  if (!daemon.wait_for_log("daemon started", 30s)) {
    std::cerr << "tunemantrad did not start:\n" << daemon.err();
    return 1;
  }
  const long idle_rss = peak_rss_kib(daemon.pid());
  httplib::Client c("127.0.0.1", port);
  c.set_bearer_token_auth(key);
  c.set_read_timeout(600, 0);
  c.set_write_timeout(600, 0);

  const auto t0 = std::chrono::steady_clock::now();
  std::ifstream in(file, std::ios::binary);
  auto r = c.Post(
    "/api/sales-reports", file_bytes,
    [&in](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
      static thread_local std::vector<char> buf(1 << 20);
      in.seekg(static_cast<std::streamoff>(offset));
      in.read(buf.data(), static_cast<std::streamsize>(std::min(length, buf.size())));
      sink.write(buf.data(), static_cast<std::size_t>(in.gcount()));
      return true;
    },
    "text/tab-separated-values");
  if (!r || r->status != 202) {
    std::cerr << "upload failed: " << (r ? r->body : httplib::to_string(r.error())) << "\n" << daemon.err();
    return 1;
  }
  std::cerr << "upload answered after " << seconds_d(std::chrono::steady_clock::now() - t0).count() << " s\n";
  const auto imported = wait_job(c, json::parse(r->body)["data"]["job"]["id"].get<std::int64_t>());
  const double import_s = seconds_d(std::chrono::steady_clock::now() - t0).count();
  if (imported["status"] != "succeeded") {
    std::cerr << "import ended " << imported.dump() << "\n";
    return 1;
  }
  const long import_rss = peak_rss_kib(daemon.pid());

  // A period over the imported rows.
  r = c.Post("/api/royalty-periods", R"({"start":"2026-10-01","end":"2026-10-31","currency":"EUR"})", "application/json");
  const auto period = json::parse(r->body)["data"]["id"].get<std::int64_t>();
  c.Put("/api/royalty-periods/" + std::to_string(period) + "/rates", R"({"GBP":"1.15","USD":"0.92"})", "application/json");
  const auto t1 = std::chrono::steady_clock::now();
  r = c.Post("/api/royalty-periods/" + std::to_string(period) + "/calculate", "", "application/json");
  const auto calculated = wait_job(c, json::parse(r->body)["data"]["id"].get<std::int64_t>());
  const double calc_s = seconds_d(std::chrono::steady_clock::now() - t1).count();
  if (calculated["status"] != "succeeded") {
    std::cerr << "calculation ended " << calculated.dump() << "\n";
    return 1;
  }
  daemon.signal(SIGTERM);
  daemon.wait(30s);
  for (std::size_t at = daemon.err().find("sales report"); at != std::string::npos; at = daemon.err().find("sales report", at + 1))
    std::cerr << daemon.err().substr(at, daemon.err().find('\n', at) - at) << "\n";

  std::string copy_cell = "-", share_cell = "-";
  if (url.rfind("postgresql://", 0) == 0) {
    const double copy_s = copy_baseline(url, recs, upcs, lines);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.0f", lines / copy_s);
    copy_cell = buf;
    std::snprintf(buf, sizeof buf, "%.0f %%", 100.0 * copy_s / import_s);
    share_cell = buf;
  }
  std::printf("| %-10s | %9lld | %7.1f | %8.1f | %9.0f | %10s | %10s | %12.1f | %12.1f | %9.2f |\n", label.c_str(),
              static_cast<long long>(lines), static_cast<double>(file_bytes) / 1048576.0, import_s, lines / import_s,
              copy_cell.c_str(), share_cell.c_str(), import_rss / 1024.0, idle_rss / 1024.0, calc_s);
  return 0;
}
