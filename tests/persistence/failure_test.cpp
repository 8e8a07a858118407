// The store when the database misbehaves: unreachable at start, connections dropped mid-run,
// the pool exhausted, the executor saturated.

#include <chrono>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <soci/soci.h>

#include "persistence/connection_pool.hpp"
#include "persistence/errors.hpp"
#include "persistence/executor.hpp"
#include "persistence/store.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra::persistence {
namespace {

using namespace std::chrono_literals;

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

TEST(store_start, an_unreachable_postgresql_is_a_clear_error) {
  const int port = test::free_port(); // nothing listens there
  auto cfg = test::database_config_for("postgresql://tm:s3cret@127.0.0.1:" + std::to_string(port) + "/tm");
  EXPECT_THROW(open_store(cfg), store_unavailable);
  const auto why = message_of([&] { open_store(cfg); });
  EXPECT_NE(why.find("cannot connect to postgresql://tm:***@127.0.0.1:"), std::string::npos) << why;
  EXPECT_EQ(why.find("s3cret"), std::string::npos) << "the password leaked: " << why;
}

TEST(store_start, an_unopenable_sqlite_file_is_a_clear_error) {
  test::temp_dir dir;
  // The path names a directory, which SQLite cannot open as a database.
  auto cfg = test::database_config_for("sqlite://" + dir.path().string());
  const auto why = message_of([&] { open_store(cfg); });
  EXPECT_NE(why.find("cannot connect to sqlite://"), std::string::npos) << why;
}

TEST(store_start, an_unknown_url_scheme_is_refused) {
  EXPECT_THROW(open_store(test::database_config_for("mysql://x")), std::invalid_argument);
}

class postgres_failures : public ::testing::Test {
protected:
  void SetUp() override {
    store_ = open_store(test::database_config_for(db_.url()));
    store_->migrate();
  }
  void terminate_backends() {
    test::pg_admin_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db_.name()
                        + "' AND pid <> pg_backend_pid()");
  }

  test::pg_database db_;
  std::unique_ptr<store> store_;
};

TEST_F(postgres_failures, a_dropped_connection_is_reconnected_transparently) {
  domain::new_job nj;
  nj.kind = "sleep";
  const auto j = store_->create_job(nj);
  terminate_backends(); // every pooled connection is now dead
  // Each call below lands on a dead session first and must reconnect it.
  for (int i = 0; i < 6; ++i) {
    const auto back = store_->find_job(j.id);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->id, j.id);
  }
  terminate_backends();
  const auto k = store_->create_job(nj);
  EXPECT_GT(k.id, j.id);
  EXPECT_EQ(store_->list_jobs({}).total, 2);
}

TEST_F(postgres_failures, a_database_that_stays_away_is_unavailable_then_comes_back) {
  test::pg_admin_exec("ALTER DATABASE " + db_.name() + " ALLOW_CONNECTIONS false");
  terminate_backends();
  EXPECT_THROW(store_->ping(), store_unavailable);
  test::pg_admin_exec("ALTER DATABASE " + db_.name() + " ALLOW_CONNECTIONS true");
  EXPECT_NO_THROW(store_->ping());
}

class pool_exhaustion : public ::testing::TestWithParam<backend_kind> {
protected:
  test::scratch_database db_{GetParam()};
  std::string url_ = db_.url();
};

TEST_P(pool_exhaustion, a_lease_past_the_timeout_fails_instead_of_hanging) {
  pool_options opt;
  opt.size = 2;
  opt.lease_timeout = 200ms;
  connection_pool pool{parse_database_url(url_), opt};
  auto a = pool.acquire();
  auto b = pool.acquire();
  EXPECT_EQ(pool.in_use(), 2u);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(pool.acquire(), pool_timeout);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 200ms);
  EXPECT_LT(waited, 5s);
  EXPECT_EQ(pool.timeouts(), 1u);

  // A lease given back while someone waits is handed over.
  auto waiter = std::async(std::launch::async, [&] {
    auto c = pool.acquire();
    int one = 0;
    *c << "SELECT 1", soci::into(one);
    return one;
  });
  std::this_thread::sleep_for(50ms);
  { auto release = std::move(a); }
  EXPECT_EQ(waiter.get(), 1);
  EXPECT_EQ(pool.in_use(), 1u);
}

INSTANTIATE_TEST_SUITE_P(backends, pool_exhaustion, test::both_backends(), test::backend_name);

TEST(store_executor, runs_work_off_the_caller_and_returns_results_and_errors) {
  executor ex{2, 16};
  const auto caller = std::this_thread::get_id();
  auto where = ex.submit([] { return std::this_thread::get_id(); });
  EXPECT_NE(where.get(), caller);
  auto sum = ex.submit([] { return 20 + 22; });
  EXPECT_EQ(sum.get(), 42);
  auto bad = ex.submit([]() -> int { throw store_unavailable("down"); });
  EXPECT_THROW(bad.get(), store_unavailable);
}

TEST(store_executor, a_full_queue_refuses_instead_of_growing) {
  executor ex{1, 2};
  std::promise<void> gate;
  auto opened = gate.get_future().share();
  auto blocker = ex.submit([opened] { opened.wait(); }); // occupies the one worker
  std::this_thread::sleep_for(50ms);
  auto q1 = ex.submit([] { return 1; });
  auto q2 = ex.submit([] { return 2; });
  EXPECT_THROW(ex.submit([] { return 3; }), store_unavailable);
  gate.set_value();
  EXPECT_EQ(q1.get() + q2.get(), 3);
  ex.stop();
  EXPECT_THROW(ex.submit([] { return 4; }), store_unavailable);
}

} // namespace
} // namespace tunemantra::persistence
