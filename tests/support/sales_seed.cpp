#include "tests/support/sales_seed.hpp"

#include <random>

#include "domain/sales_report.hpp"

namespace tunemantra::test {

std::vector<seeded_recording> seed_recordings(persistence::store& store, const seeded_account& account, int count) {
  std::vector<seeded_recording> out;
  for (int i = 0; i < count; ++i) {
    const auto release = seed_ready_release(store, account, "Sales " + std::to_string(i));
    const auto track = store.catalog().list_tracks(account.user_id, release).at(0);
    out.push_back({release, track.id, track.recording_id, track.isrc});
  }
  return out;
}

void seed_splits(persistence::store& store, const seeded_account& account, const std::vector<seeded_recording>& recordings,
                 unsigned seed) {
  std::mt19937 rng(seed);
  for (std::size_t i = 0; i < recordings.size(); ++i) {
    if (i % 4 == 3)
      continue;
    const int payees = 1 + static_cast<int>(rng() % 5);
    std::vector<std::int64_t> weights;
    for (int p = 0; p < payees; ++p)
      weights.push_back(1 + rng() % 100);
    const auto bps = domain::sales::allocate(10'000 - payees, weights); // each at least 1 after the +1 below
    std::vector<domain::royalty_split> splits;
    for (int p = 0; p < payees; ++p)
      splits.push_back({std::nullopt, "Payee " + std::to_string((i + p * 7) % 20), static_cast<int>(bps[p] + 1)});
    store.catalog().replace_splits(account.user_id, recordings[i].recording_id, splits);
  }
}

std::int64_t seed_usage(persistence::store& store, const seeded_account& account,
                        const std::vector<seeded_recording>& recordings, std::int64_t rows, const std::string& month,
                        unsigned seed, int skew) {
  static const char* platforms[] = {"StreamCo", "ShopCo", "RadioCo"};
  static const char* territories[] = {"GB", "US", "DE", "FR", "JP"};
  persistence::sales_report report;
  report.account_id = account.user_id;
  report.format = "csv";
  report.sha256 = std::to_string(seed) + "-" + month + "-" + std::to_string(rows);
  report.file_path = "seeded";
  domain::new_job job;
  job.account_id = account.user_id;
  job.kind = "sales_import";
  auto [created, queued] = store.sales().create_report(report, job);
  store.update_job(queued.id, domain::job_update{domain::job_status::running});

  std::mt19937_64 rng(seed);
  const auto keys = store.sales().load_match_keys(account.user_id);
  std::vector<persistence::stored_usage> batch;
  for (std::int64_t line = 1; line <= rows; ++line) {
    const auto& rec = skew > 0 && static_cast<int>(rng() % 100) < skew ? recordings.front()
                                                                        : recordings[rng() % recordings.size()];
    domain::sales::usage u;
    u.line = line;
    u.platform = platforms[rng() % 3];
    u.territory = territories[rng() % 5];
    const auto day = 1 + rng() % 28;
    u.usage_start = u.usage_end = month + (day < 10 ? "-0" : "-") + std::to_string(day);
    u.isrc = rec.isrc;
    const bool download = rng() % 10 == 0;
    u.use_type = download ? "PermanentDownload" : "OnDemandStream";
    u.quantity = download ? 1 + static_cast<std::int64_t>(rng() % 3) : 1 + static_cast<std::int64_t>(rng() % 1000);
    u.revenue = static_cast<domain::sales::micros>(rng() % 5'000'000);
    u.currency = rng() % 4 == 0 ? "USD" : "EUR";
    batch.push_back(keys.match(std::move(u)));
    if (batch.size() == 5000 || line == rows) {
      store.sales().insert_rows(created, batch);
      batch.clear();
    }
  }
  store.sales().complete_report(created.id, "", "seeded", month + "-01", month + "-28");
  store.update_job(queued.id, domain::job_update{domain::job_status::succeeded});
  return created.id;
}

} // namespace tunemantra::test
