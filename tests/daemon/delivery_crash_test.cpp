// Crash safety of deliveries with the real tunemantrad: 200 deliveries (50 releases x 4 http
// platforms) to a fake platform, the daemon SIGKILLed at 10 seeded random moments, then left to
// finish. Every delivery must end delivered and be accepted by the platform exactly once: a kill
// between sending and recording makes the daemon send again under the same MessageId, which the
// platform dedupes; nothing may be lost. Runs on SQLite and PostgreSQL.

#include <csignal>
#include <random>

#include <gtest/gtest.h>

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
  const std::map<std::string, std::string> env = {{"TUNEMANTRA_DATABASE_URL", db_.url()},
                                                  {"TUNEMANTRA_HTTP_PORT", "0"},
                                                  {"TUNEMANTRA_JOBS_POLL_INTERVAL_MS", "50"},
                                                  {"TUNEMANTRA_JOBS_RESTART_BACKOFF_MS", "20"},
                                                  {"TUNEMANTRA_DELIVERY_RETRY_BACKOFF_MS", "20"}};
  const unsigned seed_value = 20261201;
  std::mt19937 rng(seed_value);
  std::uniform_int_distribution<int> pause_ms(50, 600);
  int kills = 0;
  for (; kills < 10; ++kills) {
    test::process d{TM_DAEMON_PATH, {}, env};
    ASSERT_TRUE(d.wait_for_log("daemon started", 30s)) << d.err();
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    d.signal(SIGKILL);
    ASSERT_EQ(d.wait(10s), 128 + SIGKILL);
  }
  const int received_during_kills = fake_.total_received();

  test::process survivor{TM_DAEMON_PATH, {}, env};
  ASSERT_TRUE(survivor.wait_for_log("daemon started", 30s)) << survivor.err();
  std::vector<domain::delivery> all;
  for (int i = 0; i < 1200; ++i) { // up to 60 s
    all.clear();
    bool settled = true;
    for (const auto job : jobs)
      for (const auto& d : store->delivery().deliveries_of_job(job)) {
        settled = settled && domain::is_settled(d.status);
        all.push_back(d);
      }
    if (settled)
      break;
    std::this_thread::sleep_for(50ms);
  }
  survivor.signal(SIGTERM);
  EXPECT_EQ(survivor.wait(20s), 0) << survivor.err();

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

INSTANTIATE_TEST_SUITE_P(backends, delivery_crash, test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra
