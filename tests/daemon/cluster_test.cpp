// Several real tunemantrad nodes on one PostgreSQL database, a fake platform on loopback, and
// the faults a cluster must survive: a node SIGKILLed mid-run, a node paused past its lease and
// woken again, PostgreSQL restarted under the nodes, and the leader killed with scheduled work
// pending. Every delivery must be accepted by the platform exactly once, whatever happens.
// Runs alone (RUN_SERIAL): it restarts the shared PostgreSQL fixture.

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "domain/time.hpp"
#include "persistence/errors.hpp"
#include "persistence/store.hpp"
#include "tests/support/delivery_seed.hpp"
#include "tests/support/fake_platform.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr int lease_ms = 2000;

class cluster : public ::testing::Test {
protected:
  void SetUp() override {
    store_ = persistence::open_store(test::database_config_for(db_.url()));
    store_->migrate();
  }

  std::map<std::string, std::string> env(const std::string& node) const {
    return {{"TUNEMANTRA_DATABASE_URL", db_.url()},
            {"TUNEMANTRA_HTTP_PORT", "0"},
            {"TUNEMANTRA_CLUSTER_NODE_ID", node},
            {"TUNEMANTRA_CLUSTER_LEASE_MS", std::to_string(lease_ms)},
            {"TUNEMANTRA_CLUSTER_HEARTBEAT_MS", "400"},
            {"TUNEMANTRA_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", "1000"},
            {"TUNEMANTRA_JOBS_POLL_INTERVAL_MS", "50"},
            {"TUNEMANTRA_JOBS_RESTART_BACKOFF_MS", "200"},
            {"TUNEMANTRA_DELIVERY_RETRY_BACKOFF_MS", "50"},
            {"TUNEMANTRA_DATABASE_POOL_SIZE", "6"}};
  }

  /// Starts nodes n1..nN (with `extra` settings) and waits until each serves.
  void start_nodes(int n, const std::map<std::string, std::string>& extra = {}) {
    for (int i = 1; i <= n; ++i) {
      const auto id = "n" + std::to_string(i);
      auto e = env(id);
      for (const auto& [k, v] : extra)
        e[k] = v;
      nodes_[id] = std::make_unique<test::process>(TM_DAEMON_PATH, std::vector<std::string>{}, e);
    }
    for (auto& [id, p] : nodes_)
      ASSERT_TRUE(p->wait_for_log("daemon started", 30s)) << id << ": " << p->err();
  }

  /// The node holding the job's lease now ("" when none).
  std::string owner_of(std::int64_t job) {
    for (const auto& l : store_->cluster().view().leases)
      if (l.job_id == job)
        return l.owner;
    return "";
  }

  /// Waits until `done` holds; false after `timeout`. The test's own store may find PostgreSQL
  /// unreachable for a moment after a restart (a loaded machine connects slowly): asked again.
  static bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
      try {
        if (done())
          return true;
      } catch (const persistence::store_unavailable&) {
      }
      if (clock_type::now() > deadline)
        return false;
      std::this_thread::sleep_for(20ms);
    }
  }

  /// `releases` ready releases and `platforms` http platforms to the fake, each limited to
  /// `concurrency` sends at once.
  std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> seed(int releases, int platforms, int concurrency = 8) {
    account_ = test::seed_account(*store_);
    std::vector<std::int64_t> platform_ids, release_ids;
    for (int i = 0; i < platforms; ++i) {
      auto p = test::http_platform("fake" + std::to_string(i), fake_.url());
      p.max_concurrency = concurrency;
      p.rate_per_minute = 600'000;
      p.max_attempts = 50;
      platform_ids.push_back(store_->delivery().create_platform(p)->id);
    }
    for (int r = 0; r < releases; ++r)
      release_ids.push_back(test::seed_ready_release(*store_, account_, "Release " + std::to_string(r)));
    return {release_ids, platform_ids};
  }

  std::int64_t bulk(const std::vector<std::int64_t>& releases, const std::vector<std::int64_t>& platforms) {
    domain::new_job nj;
    nj.account_id = account_.user_id;
    nj.kind = "bulk_distribution";
    nj.payload = nlohmann::json{{"platformIds", platforms}}.dump();
    return store_->delivery().create_bulk(nj, releases).id;
  }

  /// Why the jobs are not finished: each unfinished job's status, owner and deliveries, and
  /// what every node logged past its start (for a failure's message).
  std::string unfinished(const std::vector<std::int64_t>& jobs) {
    std::ostringstream out;
    for (const auto job : jobs) {
      const auto j = store_->find_job(job);
      if (domain::is_terminal(j->status))
        continue;
      out << "job " << job << " " << domain::to_string(j->status) << " owner '" << owner_of(job) << "' attempts "
          << j->attempts << " error '" << j->error << "':";
      for (const auto& d : store_->delivery().deliveries_of_job(job))
        out << " " << d.message_id << "=" << domain::to_string(d.status) << " (" << d.last_error << ")";
      out << "\n";
    }
    for (auto& [id, p] : nodes_) {
      std::istringstream log(p->err());
      out << "--- " << id << (p->running() ? " running" : " exited") << ":\n";
      for (std::string line; std::getline(log, line);)
        if (line.find("store applied migration") == std::string::npos && line.find("NOTICE") == std::string::npos)
          out << line << "\n";
    }
    return out.str();
  }

  bool all_finished(const std::vector<std::int64_t>& jobs) {
    for (const auto job : jobs)
      if (!domain::is_terminal(store_->find_job(job)->status))
        return false;
    return true;
  }

  /// Every delivery of the jobs delivered and accepted exactly once; returns how many there are.
  std::size_t expect_each_accepted_once(const std::vector<std::int64_t>& jobs) {
    std::size_t n = 0;
    for (const auto job : jobs)
      for (const auto& d : store_->delivery().deliveries_of_job(job)) {
        ++n;
        EXPECT_EQ(d.status, domain::delivery_status::delivered) << d.message_id << " " << d.last_error;
        EXPECT_EQ(fake_.accepted(d.message_id), 1) << d.message_id;
      }
    EXPECT_EQ(static_cast<std::size_t>(fake_.distinct_messages()), n); // resends reuse their MessageId
    return n;
  }

  void stop_nodes() {
    for (auto& [id, p] : nodes_)
      if (p->running()) {
        p->signal(SIGTERM);
        EXPECT_EQ(p->wait(20s), 0) << id << ": " << p->err();
      }
  }

  test::scratch_database db_{persistence::backend_kind::postgresql};
  std::unique_ptr<persistence::store> store_;
  test::fake_platform fake_;
  test::seeded_account account_;
  std::map<std::string, std::unique_ptr<test::process>> nodes_;
};

TEST_F(cluster, three_nodes_one_bulk_of_2000_and_its_node_sigkilled_mid_run) {
  fake_.set({5, 0, 0});
  const auto [releases, platforms] = seed(1000, 2);
  start_nodes(3);
  const auto job = bulk(releases, platforms);
  ASSERT_TRUE(wait_until([&] { return fake_.total_received() >= 300; }, 60s));
  const auto victim = owner_of(job);
  ASSERT_TRUE(nodes_.count(victim)) << "owner: '" << victim << "'";
  nodes_[victim]->signal(SIGKILL);
  const auto killed_at = clock_type::now();
  ASSERT_EQ(nodes_[victim]->wait(10s), 128 + SIGKILL);
  const int before = fake_.total_received();
  std::string heir;
  ASSERT_TRUE(wait_until([&] { heir = owner_of(job); return !heir.empty() && heir != victim; }, 15s));
  const auto takeover = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - killed_at);
  ASSERT_TRUE(wait_until([&] { return fake_.total_received() > before; }, 15s));
  const auto resumed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - killed_at);
  ASSERT_TRUE(wait_until([&] { return domain::is_terminal(store_->find_job(job)->status); }, 120s)) << unfinished({job});
  EXPECT_EQ(store_->find_job(job)->status, domain::job_status::succeeded) << store_->find_job(job)->error;
  EXPECT_EQ(expect_each_accepted_once({job}), 2000u);
  EXPECT_LE(takeover.count(), lease_ms + 2000); // the lease ends, the next claim takes it
  stop_nodes();
  std::cout << "cluster kill test: 3 nodes, 1 bulk job of 1000 releases x 2 platforms, owner " << victim
            << " SIGKILLed after " << before << " requests; " << heir << " took the job over after "
            << takeover.count() << " ms (lease " << lease_ms << " ms), sends resumed after " << resumed.count()
            << " ms; " << fake_.total_received() << " requests, " << fake_.duplicates()
            << " duplicate sends deduped, 2000 MessageIds each accepted exactly once\n";
}

TEST_F(cluster, a_node_paused_past_its_lease_has_its_late_writes_refused) {
  fake_.set({40, 0, 0});
  const auto [releases, platforms] = seed(150, 2);
  start_nodes(2);
  const auto job = bulk(releases, platforms);
  ASSERT_TRUE(wait_until([&] { return fake_.total_received() >= 40; }, 60s));
  const auto paused = owner_of(job);
  ASSERT_TRUE(nodes_.count(paused)) << "owner: '" << paused << "'";
  nodes_[paused]->signal(SIGSTOP);
  const auto stopped_at = clock_type::now();
  std::string heir;
  ASSERT_TRUE(wait_until([&] { heir = owner_of(job); return !heir.empty() && heir != paused; }, 15s));
  const auto takeover = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - stopped_at);
  std::this_thread::sleep_for(500ms); // the new owner sends meanwhile
  nodes_[paused]->signal(SIGCONT);
  ASSERT_TRUE(wait_until([&] { return domain::is_terminal(store_->find_job(job)->status); }, 120s)) << unfinished({job});
  EXPECT_EQ(store_->find_job(job)->status, domain::job_status::succeeded) << store_->find_job(job)->error;
  EXPECT_EQ(expect_each_accepted_once({job}), 300u);
  // The woken node's sends in flight ended after the takeover: their results were refused.
  ASSERT_TRUE(nodes_[paused]->wait_for_log("stale write refused", 10s)) << nodes_[paused]->err();
  EXPECT_NE(nodes_[paused]->err().find("job lease lost"), std::string::npos) << nodes_[paused]->err();
  EXPECT_EQ(owner_of(job), "");
  stop_nodes();
  std::cout << "cluster pause test: owner " << paused << " SIGSTOPped; " << heir << " took over after "
            << takeover.count() << " ms; after SIGCONT its late writes were refused; " << fake_.total_received()
            << " requests, " << fake_.duplicates() << " duplicate sends deduped, 300 MessageIds each accepted exactly once\n";
}

TEST_F(cluster, a_platforms_concurrency_limit_holds_across_all_nodes) {
  fake_.set({30, 0, 0});
  const auto [releases, platforms] = seed(60, 1, 3); // one platform, at most 3 sends at once in the cluster
  const auto jobs = test::seed_distributions(*store_, account_, releases, platforms);
  start_nodes(3, {{"TUNEMANTRA_CLUSTER_CLAIM_BATCH", "4"}}); // small claims: the jobs spread over the nodes
  ASSERT_TRUE(wait_until([&] { return all_finished(jobs); }, 120s)) << unfinished(jobs);
  EXPECT_EQ(expect_each_accepted_once(jobs), 60u);
  EXPECT_LE(fake_.peak_concurrency(), 3); // three nodes, each of which alone would allow 3
  EXPECT_GE(fake_.peak_concurrency(), 2);
  stop_nodes();
  std::cout << "cluster limit test: 3 nodes, 60 jobs to one platform limited to 3 at once: peak "
            << fake_.peak_concurrency() << " at once at the platform\n";
}

/// Restarts the PostgreSQL fixture cluster in place (same port and data).
void restart_postgresql() {
  std::ifstream in(std::filesystem::path(TM_PG_DIR) / "cluster");
  std::string dir;
  std::getline(in, dir);
  ASSERT_FALSE(dir.empty());
  const std::string pg_ctl = "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pg_ctl";
  const std::string as_pg = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
  const auto cmd = as_pg + pg_ctl + " -D " + dir + "/data -l " + dir + "/server.log -m fast -w -t 60 restart >/dev/null";
  ASSERT_EQ(std::system(("bash -c '" + cmd + "'").c_str()), 0) << cmd;
}

TEST_F(cluster, every_node_reconnects_after_postgresql_restarts_mid_run) {
  fake_.set({20, 0, 0});
  const auto [releases, platforms] = seed(150, 2);
  const auto jobs = test::seed_distributions(*store_, account_, releases, platforms);
  start_nodes(3);
  ASSERT_TRUE(wait_until([&] { return fake_.total_received() >= 60; }, 60s));
  restart_postgresql();
  const int at_restart = fake_.total_received();
  ASSERT_TRUE(wait_until([&] { return all_finished(jobs); }, 120s)) << unfinished(jobs);
  for (const auto job : jobs)
    EXPECT_EQ(store_->find_job(job)->status, domain::job_status::succeeded) << job << " " << store_->find_job(job)->error;
  EXPECT_EQ(expect_each_accepted_once(jobs), 300u);
  for (auto& [id, p] : nodes_) {
    EXPECT_TRUE(p->running()) << id << ": " << p->err();
    EXPECT_NE(p->err().find("store reconnected"), std::string::npos) << id << ": " << p->err();
  }
  stop_nodes();
  std::cout << "cluster PostgreSQL restart test: 3 nodes, 150 distribution jobs x 2 platforms, restarted after "
            << at_restart << " requests; every node reconnected and finished; " << fake_.total_received()
            << " requests, " << fake_.duplicates() << " duplicate sends deduped, 300 MessageIds each accepted exactly once\n";
}

TEST_F(cluster, killing_the_leader_moves_leadership_and_scheduled_work_fires_once) {
  start_nodes(3);
  std::string leader;
  ASSERT_TRUE(wait_until([&] { leader = store_->cluster().view().leader.node; return !leader.empty(); }, 10s));
  domain::new_job nj;
  nj.kind = "sleep";
  nj.payload = R"({"steps": 3, "stepMs": 10})";
  nj.scheduled_at = domain::now_millis() + 1500;
  const auto job = store_->create_job(nj).id;
  nodes_[leader]->signal(SIGKILL);
  const auto killed_at = clock_type::now();
  ASSERT_EQ(nodes_[leader]->wait(10s), 128 + SIGKILL);
  std::string next;
  ASSERT_TRUE(wait_until([&] {
    const auto l = store_->cluster().view().leader;
    next = l.node;
    return !next.empty() && next != leader && l.expires_at > domain::now_millis();
  }, 15s));
  const auto moved = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - killed_at);
  EXPECT_LE(moved.count(), lease_ms + 1500);
  ASSERT_TRUE(wait_until([&] { return domain::is_terminal(store_->find_job(job)->status); }, 30s));
  const auto j = store_->find_job(job);
  EXPECT_EQ(j->status, domain::job_status::succeeded) << j->error;
  EXPECT_EQ(store_->sleep_steps(job), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(j->attempts, 1); // released once, run once
  stop_nodes();
  std::cout << "cluster leader test: leader " << leader << " SIGKILLed; " << next << " led after " << moved.count()
            << " ms (lease " << lease_ms << " ms); the scheduled job ran once (" << j->attempts << " attempt)\n";
}

} // namespace
} // namespace tunemantra
