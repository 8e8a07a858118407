// Delivery transitions on both backends: the batched compare-and-set of transition_all, and the
// group commit that many threads share.

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "persistence/errors.hpp"
#include "persistence/group_commit.hpp"
#include "persistence/store.hpp"
#include "tests/support/delivery_seed.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra::persistence {
namespace {

using domain::delivery_status;

class delivery_store_test : public ::testing::TestWithParam<backend_kind> {
protected:
  void SetUp() override {
    store_ = open_store(test::database_config_for(db_.url()));
    store_->migrate();
    account_ = test::seed_account(*store_);
    for (int i = 0; i < 2; ++i)
      platforms_.push_back(store_->delivery().create_platform(test::http_platform("p" + std::to_string(i), "http://127.0.0.1:9"))->id);
  }

  /// `releases` distribution jobs to both platforms; their deliveries.
  std::vector<domain::delivery> deliveries(int releases) {
    std::vector<std::int64_t> ids;
    for (int r = 0; r < releases; ++r)
      ids.push_back(test::seed_ready_release(*store_, account_, "R" + std::to_string(r)));
    std::vector<domain::delivery> all;
    for (const auto job : test::seed_distributions(*store_, account_, ids, platforms_))
      for (auto& d : store_->delivery().deliveries_of_job(job))
        all.push_back(d);
    return all;
  }

  static delivery_transition start(std::int64_t id) {
    delivery_change c{delivery_status::delivering};
    c.count_attempt = true;
    c.event = "sending";
    return {id, {delivery_status::pending}, c};
  }

  test::scratch_database db_{GetParam()};
  std::unique_ptr<store> store_;
  test::seeded_account account_;
  std::vector<std::int64_t> platforms_;
};

TEST_P(delivery_store_test, a_batch_applies_each_compare_and_set_on_its_own) {
  const auto ds = deliveries(1);
  ASSERT_EQ(ds.size(), 2u);
  auto& store = store_->delivery();
  const auto events_before = store_->list_events(ds[0].job_id, 0, 100).size();
  delivery_change wrong{delivery_status::failed};
  wrong.event = "never written";
  const auto applied = store.transition_all({start(ds[0].id), {ds[1].id, {delivery_status::delivered}, wrong}, start(ds[0].id)});
  EXPECT_EQ(applied, (std::vector<bool>{true, false, false})); // the third sees the first's write
  const auto first = store.find_delivery(ds[0].id);
  EXPECT_EQ(first->status, delivery_status::delivering);
  EXPECT_EQ(first->attempts, 1);
  EXPECT_EQ(store.find_delivery(ds[1].id)->status, delivery_status::pending);
  EXPECT_EQ(store_->list_events(ds[0].job_id, 0, 100).size(), events_before + 1);
}

TEST_P(delivery_store_test, unset_fields_keep_their_value_and_empty_text_clears) {
  const auto d = deliveries(1).front();
  auto& store = store_->delivery();
  ASSERT_TRUE(store.transition(d.id, {delivery_status::pending}, start(d.id).change));
  delivery_change failed{delivery_status::pending};
  failed.last_error = "HTTP 503";
  failed.next_attempt_at = 1234;
  ASSERT_TRUE(store.transition(d.id, {delivery_status::delivering}, failed));
  ASSERT_TRUE(store.transition(d.id, {delivery_status::pending}, start(d.id).change));
  auto now = store.find_delivery(d.id);
  EXPECT_EQ(now->last_error, "HTTP 503");
  EXPECT_EQ(now->next_attempt_at, 1234);
  EXPECT_EQ(now->attempts, 2);
  delivery_change done{delivery_status::delivered};
  done.last_error = "";
  done.batch_id = "B1";
  done.delivered_at = 99;
  ASSERT_TRUE(store.transition(d.id, {delivery_status::takedown_pending, delivery_status::delivering}, done));
  now = store.find_delivery(d.id);
  EXPECT_EQ(now->last_error, "");
  EXPECT_EQ(now->batch_id, "B1");
  EXPECT_EQ(now->delivered_at, 99);
}

TEST_P(delivery_store_test, group_commit_shares_transactions_and_keeps_each_answer) {
  const auto ds = deliveries(40); // 80 deliveries
  group_commit commits(store_->delivery());
  constexpr int threads = 8;
  std::atomic<int> applied{0}, refused{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      // Every delivery is started by two threads at once: exactly one may win each.
      for (std::size_t i = static_cast<std::size_t>(t % (threads / 2)); i < ds.size(); i += threads / 2)
        (commits.apply(start(ds[i].id)) ? applied : refused)++;
    });
  for (auto& w : workers)
    w.join();
  EXPECT_EQ(applied, static_cast<int>(ds.size()));
  EXPECT_EQ(refused, static_cast<int>(ds.size()));
  for (const auto& d : ds) {
    const auto now = store_->delivery().find_delivery(d.id);
    EXPECT_EQ(now->status, delivery_status::delivering);
    EXPECT_EQ(now->attempts, 1);
  }
  EXPECT_EQ(commits.transitions(), 2 * ds.size());
  EXPECT_LE(commits.commits(), commits.transitions());
  commits.stop();
  EXPECT_THROW(commits.apply(start(ds[0].id)), store_unavailable);
}

INSTANTIATE_TEST_SUITE_P(backends, delivery_store_test, test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra::persistence
