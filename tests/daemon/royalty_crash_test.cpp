// Crash safety of royalty calculations with the real tunemantrad, on SQLite and PostgreSQL: a
// period over 150 recordings with random splits and 60,000 usage rows in two currencies is
// calculated once without interruption (the reference statements, JSON and CSV), then calculated
// again with the daemon SIGKILLed while the calculation runs, restarted, and left to finish. The
// statements must come back byte for byte the same.

#include <csignal>
#include <random>

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "persistence/store.hpp"
#include "tests/support/sales_seed.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class royalty_crash : public ::testing::TestWithParam<persistence::backend_kind> {
protected:
  std::map<std::string, std::string> env() const {
    return {{"TUNEMANTRA_DATABASE_URL", db_.url()},
            {"TUNEMANTRA_HTTP_PORT", std::to_string(port_)},
            {"TUNEMANTRA_JOBS_POLL_INTERVAL_MS", "20"},
            {"TUNEMANTRA_JOBS_RESTART_BACKOFF_MS", "20"}};
  }

  std::unique_ptr<test::process> start() {
    auto d = std::make_unique<test::process>(TM_DAEMON_PATH, std::vector<std::string>{}, env());
    EXPECT_TRUE(d->wait_for_log("daemon started", 30s)) << d->err();
    return d;
  }

  httplib::Client client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_bearer_token_auth(key_);
    c.set_read_timeout(30, 0);
    return c;
  }

  /// Starts a calculation; the job id.
  std::int64_t calculate() {
    auto r = client().Post("/api/royalty-periods/" + std::to_string(period_) + "/calculate", "", "application/json");
    EXPECT_TRUE(r && r->status == 202) << (r ? r->body : "no answer");
    return r ? json::parse(r->body)["data"]["id"].get<std::int64_t>() : 0;
  }

  /// Waits until the period is calculated (up to 120 s).
  bool calculated(persistence::store& store) {
    for (int i = 0; i < 2400; ++i) {
      if (store.royalties().find_period(period_)->status == "calculated")
        return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  std::pair<std::string, std::string> statements() {
    const auto path = "/api/royalty-periods/" + std::to_string(period_) + "/statements";
    auto js = client().Get(path);
    auto csv = client().Get(path + "?format=csv");
    EXPECT_TRUE(js && js->status == 200 && csv && csv->status == 200);
    return {js ? js->body : "", csv ? csv->body : ""};
  }

  test::scratch_database db_{GetParam()};
  int port_ = test::free_port();
  std::string key_;
  std::int64_t period_ = 0;
};

TEST_P(royalty_crash, statements_after_a_sigkill_mid_calculation_are_byte_identical) {
  auto store = persistence::open_store(test::database_config_for(db_.url()));
  store->migrate();
  const auto account = test::seed_account(*store);
  key_ = store->accounts().create_key(account.user_id, "test", domain::scopes_of(domain::role::label), std::nullopt).secret;
  const auto recordings = test::seed_recordings(*store, account, 150);
  test::seed_splits(*store, account, recordings, 7);
  test::seed_usage(*store, account, recordings, 60'000, "2026-10", 11);
  persistence::royalty_period p;
  p.account_id = account.user_id;
  p.start = "2026-10-01";
  p.end = "2026-10-31";
  p.currency = "EUR";
  p.commission_bps = 1500;
  p.minimum_payout = 10'000'000;
  period_ = store->royalties().create_period(p).id;
  store->royalties().set_rates(period_, {{"USD", 920'000}});
  domain::royalties::payee someone{std::nullopt, "Payee 3"};
  store->royalties().add_advance({0, account.user_id, someone, 50'000'000, "EUR", "", 0});

  // The reference: one calculation that nobody interrupts.
  std::pair<std::string, std::string> reference;
  {
    auto d = start();
    calculate();
    ASSERT_TRUE(calculated(*store));
    reference = statements();
    d->signal(SIGTERM);
    ASSERT_EQ(d->wait(20s), 0) << d->err();
  }
  ASSERT_GT(reference.first.size(), 10'000u);
  const auto totals = json::parse(reference.first)["data"]["totals"];

  // Calculate again, SIGKILL a seeded random 0..40 ms after the job runs; repeat until kills have
  // landed mid-calculation (the period still calculating after the kill) three times.
  std::mt19937 rng(20261202);
  int kills_mid_calculation = 0, attempts = 0;
  std::int64_t job = 0;
  for (; attempts < 8 && kills_mid_calculation < 3; ++attempts) {
    auto d = start();
    if (store->royalties().find_period(period_)->status == "calculated")
      job = calculate();
    for (int i = 0; i < 20'000; ++i) { // wait for the job to run (or to have ended already)
      const auto status = store->find_job(job)->status;
      if (status != domain::job_status::queued)
        break;
      std::this_thread::sleep_for(1ms);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 40));
    d->signal(SIGKILL);
    ASSERT_EQ(d->wait(10s), 128 + SIGKILL);
    if (store->royalties().find_period(period_)->status == "calculating")
      ++kills_mid_calculation;
  }
  ASSERT_GE(kills_mid_calculation, 1) << "no kill landed during a calculation in " << attempts << " attempts";

  // Restart and let it finish: the same statements, byte for byte.
  auto survivor = start();
  ASSERT_TRUE(calculated(*store));
  const auto after = statements();
  EXPECT_EQ(after.first, reference.first);
  EXPECT_EQ(after.second, reference.second);
  survivor->signal(SIGTERM);
  EXPECT_EQ(survivor->wait(20s), 0) << survivor->err();
  std::cout << "royalty crash test (" << (GetParam() == persistence::backend_kind::sqlite ? "sqlite" : "postgresql")
            << "): 150 recordings, 60000 usage rows, " << attempts << " restarts, " << kills_mid_calculation
            << " SIGKILLs during the calculation; statements after restart identical (" << after.first.size()
            << " bytes JSON, " << after.second.size() << " bytes CSV); totals " << totals.dump() << "\n";
}

INSTANTIATE_TEST_SUITE_P(backends, royalty_crash, test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra
