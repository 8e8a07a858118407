// The cluster's coordination state on both backends: claims, leases and their fencing, the
// heartbeat, the leader lease and the node registry (persistence/soci_cluster_store.cpp).

#include <atomic>
#include <memory>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "domain/time.hpp"
#include "persistence/lease.hpp"
#include "persistence/store.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra::persistence {
namespace {

using namespace std::chrono_literals;

class cluster_store_test : public ::testing::TestWithParam<backend_kind> {
protected:
  void SetUp() override {
    store_ = open_store(test::database_config_for(db_.url()));
    store_->migrate();
  }

  std::int64_t sleep_job(int priority = 0) {
    domain::new_job nj;
    nj.kind = "sleep";
    nj.priority = priority;
    nj.payload = R"({"steps":3})";
    return store_->create_job(nj).id;
  }

  node_record node(const std::string& id, const std::string& incarnation = "a") {
    node_record n;
    n.id = id;
    n.host = "host-" + id;
    n.version = "test";
    n.pid = 1;
    n.incarnation = incarnation;
    n.started_at = domain::now_millis();
    return n;
  }

  cluster_store& cluster() { return store_->cluster(); }

  test::scratch_database db_{GetParam()};
  std::unique_ptr<store> store_;
};

TEST_P(cluster_store_test, a_job_is_claimed_once_by_priority_then_age_with_a_new_epoch) {
  const auto low = sleep_job(0), high = sleep_job(5), other = sleep_job(0);
  cluster().join(node("n1"));
  cluster().join(node("n2"));
  const auto first = cluster().claim_jobs("n1", 1, 10'000);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, high);
  EXPECT_EQ(first[0].epoch, 1);
  const auto rest = cluster().claim_jobs("n2", 10, 10'000);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].id, low);
  EXPECT_EQ(rest[1].id, other);
  EXPECT_TRUE(cluster().claim_jobs("n1", 10, 10'000).empty()); // every lease is live
}

TEST_P(cluster_store_test, an_expired_lease_is_taken_over_and_fences_the_old_owner) {
  const auto id = sleep_job();
  cluster().join(node("n1"));
  cluster().join(node("n2"));
  ASSERT_EQ(cluster().claim_jobs("n1", 10, 1).size(), 1u); // a 1 ms lease
  std::this_thread::sleep_for(5ms);
  const auto taken = cluster().claim_jobs("n2", 10, 10'000);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].epoch, 2);
  {
    fenced_scope stale{job_lease{id, "n1", 1}}; // n1 wakes up and writes
    EXPECT_THROW(store_->append_event(id, "note", "late"), lease_lost);
    EXPECT_THROW(store_->update_job(id, domain::job_update{domain::job_status::running}), lease_lost);
  }
  EXPECT_EQ(store_->find_job(id)->status, domain::job_status::queued); // nothing of n1's landed
  {
    fenced_scope current{job_lease{id, "n2", 2}};
    EXPECT_NO_THROW(store_->update_job(id, domain::job_update{domain::job_status::running}));
  }
  EXPECT_EQ(store_->find_job(id)->status, domain::job_status::running);
}

TEST_P(cluster_store_test, the_heartbeat_renews_what_is_held_and_drops_what_was_taken) {
  const auto a = sleep_job(), b = sleep_job();
  const auto n1 = node("n1");
  cluster().join(n1);
  cluster().join(node("n2"));
  ASSERT_EQ(cluster().claim_jobs("n1", 10, 1).size(), 2u);
  std::this_thread::sleep_for(5ms);
  // n2 takes one expired lease before n1's heartbeat renews the other.
  ASSERT_EQ(cluster().claim_jobs("n2", 1, 10'000).size(), 1u);
  const auto beat = cluster().heartbeat(n1, 10'000);
  ASSERT_EQ(beat.held.size(), 1u);
  EXPECT_EQ(beat.held[0].job_id, b);
  EXPECT_EQ(beat.held[0].epoch, 1);
  EXPECT_EQ(beat.live_nodes, (std::vector<std::string>{"n1", "n2"}));
  EXPECT_TRUE(cluster().claim_jobs("n2", 10, 10'000).empty()); // renewed: not claimable
  (void)a;
}

TEST_P(cluster_store_test, a_restarted_node_takes_its_jobs_back_at_once_and_fences_its_old_self) {
  const auto id = sleep_job();
  cluster().join(node("n1", "old"));
  ASSERT_EQ(cluster().claim_jobs("n1", 10, 60'000).size(), 1u);
  cluster().join(node("n1", "new")); // the same node id, started again
  EXPECT_THROW(cluster().heartbeat(node("n1", "old"), 10'000), node_replaced);
  const auto again = cluster().claim_jobs("n1", 10, 60'000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].epoch, 2);
  fenced_scope old{job_lease{id, "n1", 1}};
  EXPECT_THROW(store_->append_event(id, "note", "from the old process"), lease_lost);
}

TEST_P(cluster_store_test, one_leader_at_a_time_and_leadership_moves_when_its_lease_ends) {
  cluster().join(node("n1"));
  cluster().join(node("n2"));
  EXPECT_TRUE(cluster().lead("n1", 60'000));
  EXPECT_FALSE(cluster().lead("n2", 60'000));
  EXPECT_TRUE(cluster().lead("n1", 1)); // renewed, now with a 1 ms lease
  const auto epoch = cluster().view().leader.epoch;
  std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(cluster().lead("n2", 60'000));
  const auto v = cluster().view();
  EXPECT_EQ(v.leader.node, "n2");
  EXPECT_EQ(v.leader.epoch, epoch + 1);
  EXPECT_FALSE(cluster().lead("n1", 60'000));
}

TEST_P(cluster_store_test, a_node_that_leaves_frees_its_leases_and_leadership_at_once) {
  const auto id = sleep_job();
  const auto n1 = node("n1");
  cluster().join(n1);
  cluster().join(node("n2"));
  ASSERT_EQ(cluster().claim_jobs("n1", 10, 60'000).size(), 1u);
  ASSERT_TRUE(cluster().lead("n1", 60'000));
  cluster().leave(n1);
  EXPECT_TRUE(cluster().lead("n2", 60'000));
  const auto taken = cluster().claim_jobs("n2", 10, 60'000);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].id, id);
  const auto v = cluster().view();
  ASSERT_EQ(v.nodes.size(), 2u);
  EXPECT_TRUE(v.nodes[0].left);
  EXPECT_FALSE(v.nodes[1].left);
  ASSERT_EQ(v.leases.size(), 1u);
  EXPECT_EQ(v.leases[0].owner, "n2");
}

TEST_P(cluster_store_test, finished_and_scheduled_jobs_are_never_claimed_and_a_retry_is) {
  const auto id = sleep_job();
  domain::new_job later;
  later.kind = "sleep";
  later.scheduled_at = domain::now_millis() + 3'600'000;
  store_->create_job(later);
  cluster().join(node("n1"));
  ASSERT_EQ(cluster().claim_jobs("n1", 10, 60'000).size(), 1u);
  {
    fenced_scope mine{job_lease{id, "n1", 1}};
    store_->update_job(id, domain::job_update{domain::job_status::running});
    store_->update_job(id, domain::job_update{domain::job_status::failed, "broken"});
  }
  EXPECT_TRUE(cluster().heartbeat(node("n1"), 60'000).held.empty()); // ended: not renewed
  EXPECT_TRUE(cluster().claim_jobs("n1", 10, 60'000).empty());
  store_->retry_job(id);
  const auto again = cluster().claim_jobs("n1", 10, 60'000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].epoch, 2);
}

TEST_P(cluster_store_test, a_delivery_transition_under_a_lost_lease_is_refused) {
  const auto id = sleep_job();
  cluster().join(node("n1"));
  ASSERT_EQ(cluster().claim_jobs("n1", 10, 60'000).size(), 1u);
  delivery_transition t{424242, {domain::delivery_status::pending}, {domain::delivery_status::delivering}};
  t.fence = job_lease{id, "n1", 7}; // not the epoch n1 holds
  EXPECT_THROW(store_->delivery().transition_all({t}), lease_lost);
  t.fence = job_lease{id, "n1", 1};
  EXPECT_EQ(store_->delivery().transition_all({t}), std::vector<bool>{false}); // held; no such delivery
}

TEST_P(cluster_store_test, another_nodes_job_writes_and_new_work_reach_this_node_through_notify) {
  if (GetParam() != backend_kind::postgresql)
    GTEST_SKIP() << "LISTEN/NOTIFY is PostgreSQL's; SQLite runs one node";
  auto other = open_store(test::database_config_for(db_.url())); // another node's store
  std::atomic<int> woken{0};
  other->on_work([&woken] { ++woken; });
  const auto id = sleep_job();
  ASSERT_TRUE(other->recent_job(id)); // now in its cache
  const auto listening = std::chrono::steady_clock::now() + 5s;
  while (woken == 0 && std::chrono::steady_clock::now() < listening) // connecting announces itself
    std::this_thread::sleep_for(10ms);
  ASSERT_GT(woken.load(), 0);
  auto watch = other->changes().try_watch(id);
  ASSERT_TRUE(watch);
  const auto before = woken.load();
  store_->update_job(id, domain::job_update{domain::job_status::running});
  EXPECT_TRUE(watch->wait_until(std::chrono::steady_clock::now() + 5s)); // woken by this node's write
  EXPECT_EQ(other->recent_job(id)->status, domain::job_status::running); // and its cache let go
  store_->announce_work();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (woken == before && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_GT(woken.load(), before);
  other->on_work({});
}

INSTANTIATE_TEST_SUITE_P(backends, cluster_store_test, test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra::persistence
