// Crash safety of deliveries with the real tunemantrad: 200 deliveries (50 releases x 4 http
// platforms) to a fake platform, the daemon SIGKILLed at 10 seeded random moments, then left to
// finish. Every delivery must end delivered and be accepted by the platform exactly once: a kill
// between sending and recording makes the daemon send again under the same MessageId, which the
// platform dedupes; nothing may be lost. Runs on SQLite and PostgreSQL.

#include <array>
#include <csignal>
#include <functional>
#include <set>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "domain/time.hpp"
#include "persistence/store.hpp"
#include "tests/support/delivery_seed.hpp"
#include "tests/support/fake_platform.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra {
namespace {

using namespace std::chrono_literals;

class delivery_crash : public ::testing::TestWithParam<persistence::backend_kind> {
protected:
  std::map<std::string, std::string> env() const {
    return {{"TUNEMANTRA_DATABASE_URL", db_.url()},
            {"TUNEMANTRA_HTTP_PORT", "0"},
            {"TUNEMANTRA_JOBS_POLL_INTERVAL_MS", "50"},
            {"TUNEMANTRA_JOBS_RESTART_BACKOFF_MS", "20"},
            {"TUNEMANTRA_DELIVERY_RETRY_BACKOFF_MS", "20"}};
  }

  /// Starts the daemon `kills` times and SIGKILLs it after a seeded random 50..600 ms each time.
  void kill_repeatedly(int kills, unsigned seed) { test::kill_daemon_repeatedly(env(), kills, seed, 50, 600); }

  /// Runs the daemon until `done` holds (up to 60 s), then stops it cleanly.
  void survive_until(const std::function<bool()>& done) {
    test::process survivor{TM_DAEMON_PATH, {}, env()};
    ASSERT_TRUE(survivor.wait_for_log("daemon started", 30s)) << survivor.err();
    for (int i = 0; i < 1200 && !done(); ++i)
      std::this_thread::sleep_for(50ms);
    survivor.signal(SIGTERM);
    EXPECT_EQ(survivor.wait(20s), 0) << survivor.err();
  }

  test::scratch_database db_{GetParam()};
  test::fake_platform fake_;
};

/// Seeds the store directly: `releases` ready releases, `platforms` http platforms and one
/// distribution job per release. Returns the job ids.
std::vector<std::int64_t> seed(persistence::store& store, const std::string& url, int releases, int platforms) {
  const auto account = test::seed_account(store);
  std::vector<std::int64_t> platform_ids, release_ids;
  for (int i = 0; i < platforms; ++i) {
    auto p = test::http_platform("fake" + std::to_string(i), url);
    p.max_concurrency = 2;
    p.rate_per_minute = 60'000;
    p.max_attempts = 20;
    platform_ids.push_back(store.delivery().create_platform(p)->id);
  }
  for (int r = 0; r < releases; ++r)
    release_ids.push_back(test::seed_ready_release(store, account, "Release " + std::to_string(r)));
  return test::seed_distributions(store, account, release_ids, platform_ids);
}

TEST_P(delivery_crash, sigkill_at_ten_random_moments_loses_nothing_and_accepts_nothing_twice) {
  fake_.set({60, 0, 0}); // each send takes a while, so kills land between sending and recording
  auto store = persistence::open_store(test::database_config_for(db_.url()));
  store->migrate();
  const auto jobs = seed(*store, fake_.url(), 50, 4);
  const unsigned seed_value = 20261201;
  const int kills = 10;
  kill_repeatedly(kills, seed_value);
  const int received_during_kills = fake_.total_received();

  std::vector<domain::delivery> all;
  survive_until([&] {
    all.clear();
    bool settled = true;
    for (const auto job : jobs)
      for (const auto& d : store->delivery().deliveries_of_job(job)) {
        settled = settled && domain::is_settled(d.status);
        all.push_back(d);
      }
    return settled;
  });

  ASSERT_EQ(all.size(), 200u);
  int resent = 0;
  for (const auto& d : all) {
    EXPECT_EQ(d.status, domain::delivery_status::delivered) << d.message_id << " " << d.last_error;
    EXPECT_EQ(fake_.accepted(d.message_id), 1) << d.message_id;
    resent += fake_.received(d.message_id) > 1 ? 1 : 0;
  }
  EXPECT_EQ(fake_.distinct_messages(), 200); // resends reuse their MessageId, never a new one
  for (const auto job : jobs)
    EXPECT_EQ(store->find_job(job)->status, domain::job_status::succeeded) << job;
  std::cout << "delivery crash test (" << (GetParam() == persistence::backend_kind::sqlite ? "sqlite" : "postgresql") << ", seed " << seed_value << "): " << kills
            << " SIGKILLs, " << all.size() << " deliveries, " << received_during_kills
            << " requests before the last start, " << fake_.total_received() << " requests in all, " << resent
            << " messages sent more than once (" << fake_.duplicates() << " duplicate sends deduped), "
            << fake_.distinct_messages() << " distinct MessageIds, each accepted exactly once\n";
}

TEST_P(delivery_crash, sigkill_mid_bulk_resumes_from_the_items_and_repeats_nothing) {
  fake_.set({40, 0, 0});
  auto store = persistence::open_store(test::database_config_for(db_.url()));
  store->migrate();
  const auto account = test::seed_account(*store);
  std::vector<std::int64_t> platforms, releases;
  for (int i = 0; i < 2; ++i) {
    auto p = test::http_platform("bulk" + std::to_string(i), fake_.url());
    p.max_concurrency = 2;
    p.rate_per_minute = 60'000;
    p.max_attempts = 20;
    platforms.push_back(store->delivery().create_platform(p)->id);
  }
  for (int r = 0; r < 250; ++r) // three check chunks of 100
    releases.push_back(test::seed_ready_release(*store, account, "Bulk " + std::to_string(r)));
  releases.push_back(999'999); // one refused item rides along
  domain::new_job nj;
  nj.account_id = account.user_id;
  nj.kind = "bulk_distribution";
  nj.payload = nlohmann::json{{"platformIds", platforms}}.dump();
  const auto job = store->delivery().create_bulk(nj, releases).id;

  kill_repeatedly(5, 20261202);
  const int received_during_kills = fake_.total_received();
  survive_until([&] { return domain::is_terminal(store->find_job(job)->status); });

  const auto end = store->find_job(job);
  std::string where;
  for (const auto& c : store->delivery().delivery_counts(job))
    where += std::to_string(c.platform_id) + ":" + std::string(domain::to_string(c.status)) + "=" + std::to_string(c.count) + " ";
  ASSERT_EQ(end->status, domain::job_status::partially_failed) << end->error << "; deliveries " << where;
  EXPECT_EQ(store->delivery().count_bulk_items(job), (std::array<std::int64_t, 3>{0, 250, 1}));
  const auto all = store->delivery().deliveries_of_job(job);
  EXPECT_EQ(all.size(), 500u); // each checked release got its deliveries once, kills or not
  std::set<std::pair<std::int64_t, std::int64_t>> pairs;
  for (const auto& d : all) {
    EXPECT_EQ(d.status, domain::delivery_status::delivered) << d.message_id << " " << d.last_error;
    EXPECT_EQ(fake_.accepted(d.message_id), 1) << d.message_id;
    pairs.emplace(d.release_id, d.platform_id);
  }
  EXPECT_EQ(pairs.size(), 500u);
  EXPECT_EQ(fake_.distinct_messages(), 500);
  EXPECT_EQ(end->progress.total, 502);
  EXPECT_EQ(end->progress.done, 502);
  EXPECT_EQ(end->progress.failed, 2);
  std::cout << "bulk crash test (" << (GetParam() == persistence::backend_kind::sqlite ? "sqlite" : "postgresql")
            << "): 5 SIGKILLs, 251 releases x 2 platforms, " << received_during_kills << " requests before the last start, "
            << fake_.total_received() << " in all, " << fake_.duplicates() << " duplicate sends deduped, "
            << fake_.distinct_messages() << " distinct MessageIds, each accepted exactly once, "
            << all.size() << " deliveries (none created twice)\n";
}

INSTANTIATE_TEST_SUITE_P(backends, delivery_crash, test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra
