// The job runtime against a real store (SQLite file and PostgreSQL): supervision, backoff, the
// restart limit, re-adoption, cancellation and orderly shutdown, driven by the `sleep` job kind.

#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/runtime.hpp"
#include "actors/supervisor.hpp"
#include "persistence/store.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra::actors {
namespace {

using namespace std::chrono_literals;
using domain::job_status;

std::vector<int> one_to(int n) {
  std::vector<int> out;
  for (int i = 1; i <= n; ++i)
    out.push_back(i);
  return out;
}

class job_runtime_test : public ::testing::TestWithParam<persistence::backend_kind> {
protected:
  void SetUp() override {
    cfg_.database = test::database_config_for(db_.url());
    cfg_.database.worker_threads = 2;
    cfg_.jobs.restart_backoff_ms = 50;
    cfg_.jobs.restart_backoff_max_ms = 1000;
    cfg_.jobs.max_restarts = 5;
    cfg_.jobs.restart_period_ms = 60000;
    cfg_.jobs.poll_interval_ms = 100;
    store_ = persistence::open_store(cfg_.database);
    store_->migrate();
  }

  std::int64_t sleep_job(const std::string& payload, std::string kind = "sleep") {
    domain::new_job nj;
    nj.kind = std::move(kind);
    nj.payload = payload;
    return store_->create_job(nj).id;
  }

  /// Waits until the job is terminal; returns it.
  domain::job wait_terminal(std::int64_t id, std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto j = store_->find_job(id);
      if (j && domain::is_terminal(j->status))
        return *j;
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "job " << id << " did not finish; status "
                      << (j ? std::string(domain::to_string(j->status)) : "missing");
        return j.value_or(domain::job{});
      }
      std::this_thread::sleep_for(20ms);
    }
  }

  std::vector<domain::job_event> events_of(std::int64_t id, const std::string& type) {
    std::vector<domain::job_event> out;
    for (auto& e : store_->list_events(id, 0, 1000))
      if (e.type == type)
        out.push_back(e);
    return out;
  }

  test::scratch_database db_{GetParam()};
  config::config cfg_;
  std::unique_ptr<persistence::store> store_;
};

TEST(restart_backoff, doubles_from_the_base_up_to_the_cap) {
  config::jobs_config cfg;
  cfg.restart_backoff_ms = 100;
  cfg.restart_backoff_max_ms = 1000;
  EXPECT_EQ(restart_backoff(cfg, 1), 100ms);
  EXPECT_EQ(restart_backoff(cfg, 2), 200ms);
  EXPECT_EQ(restart_backoff(cfg, 4), 800ms);
  EXPECT_EQ(restart_backoff(cfg, 5), 1000ms);
  EXPECT_EQ(restart_backoff(cfg, 60), 1000ms);
}

TEST_P(job_runtime_test, a_sleep_job_runs_every_step_once_and_succeeds) {
  const auto id = sleep_job(R"({"steps": 6, "stepMs": 5})");
  job_runtime rt{cfg_, *store_};
  const auto j = wait_terminal(id);
  EXPECT_EQ(j.status, job_status::succeeded) << j.error;
  EXPECT_EQ(j.progress.done, 6);
  EXPECT_EQ(j.progress.total, 6);
  EXPECT_EQ(j.attempts, 1);
  EXPECT_EQ(j.result, R"({"steps":6})");
  EXPECT_EQ(store_->sleep_steps(id), one_to(6));
  EXPECT_TRUE(rt.ping(2s));
}

TEST_P(job_runtime_test, a_crashing_job_is_restarted_with_backoff_then_succeeds) {
  const auto id = sleep_job(R"({"steps": 5, "stepMs": 5, "crashTimes": 2, "crashAtStep": 3})");
  job_runtime rt{cfg_, *store_};
  const auto j = wait_terminal(id);
  EXPECT_EQ(j.status, job_status::succeeded) << j.error;
  EXPECT_EQ(j.attempts, 3);
  EXPECT_EQ(store_->sleep_steps(id), one_to(5));
  EXPECT_EQ(events_of(id, "crash").size(), 2u);
  const auto restarts = events_of(id, "restart");
  ASSERT_EQ(restarts.size(), 2u);
  for (std::size_t i = 0; i < restarts.size(); ++i) {
    const auto data = nlohmann::json::parse(restarts[i].data);
    const auto expected = restart_backoff(cfg_.jobs, static_cast<int>(i) + 1).count();
    EXPECT_EQ(data.at("restart").get<int>(), static_cast<int>(i) + 1);
    EXPECT_EQ(data.at("delayMs").get<long long>(), expected);
    EXPECT_GE(data.at("sinceCrashMs").get<long long>(), expected) << "restarted before its backoff";
  }
  EXPECT_GE(restarts[1].at - restarts[0].at, restart_backoff(cfg_.jobs, 2).count() - 5);
  EXPECT_EQ(rt.stats().restarts, 2u);
}

TEST_P(job_runtime_test, after_exactly_the_restart_limit_the_job_fails_with_its_reason) {
  cfg_.jobs.max_restarts = 3;
  const auto id = sleep_job(R"({"steps": 3, "stepMs": 1, "crashTimes": 100, "crashAtStep": 2})");
  job_runtime rt{cfg_, *store_};
  const auto j = wait_terminal(id);
  EXPECT_EQ(j.status, job_status::failed);
  EXPECT_NE(j.error.find("restart limit reached: 3 restarts within 60000 ms"), std::string::npos) << j.error;
  EXPECT_NE(j.error.find("crashed on purpose before step 2"), std::string::npos) << j.error;
  EXPECT_EQ(events_of(id, "restart").size(), 3u);
  EXPECT_EQ(events_of(id, "crash").size(), 4u);
  EXPECT_EQ(j.attempts, 4);
  EXPECT_EQ(store_->sleep_steps(id), one_to(1)); // step 1 ran once; step 2 never
  EXPECT_EQ(rt.stats().restart_limit_hits, 1u);
}

TEST_P(job_runtime_test, kicks_and_store_outages_are_restarted_without_using_up_the_restart_limit) {
  cfg_.jobs.max_restarts = 1;
  const auto id = sleep_job(R"({"steps": 40, "stepMs": 10})");
  job_runtime rt{cfg_, *store_};
  int kicked = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (kicked < 3 && std::chrono::steady_clock::now() < deadline) {
    if (rt.kick(id)) // false while it waits for its restart
      ++kicked;
    std::this_thread::sleep_for(30ms);
  }
  ASSERT_EQ(kicked, 3);
  const auto j = wait_terminal(id);
  EXPECT_EQ(j.status, job_status::succeeded) << j.error; // three restarts, a limit of one: none counted
  const auto restarts = events_of(id, "restart");
  ASSERT_EQ(restarts.size(), 3u);
  for (const auto& e : restarts)
    EXPECT_NE(e.message.find("not counted against the limit"), std::string::npos) << e.message;
  EXPECT_EQ(store_->sleep_steps(id), one_to(40)); // every step once, across the restarts
  EXPECT_EQ(rt.stats().restart_limit_hits, 0u);
}

TEST_P(job_runtime_test, the_same_error_after_a_restart_fails_the_job_at_once) {
  cfg_.jobs.max_restarts = 5;
  const auto id = sleep_job(R"({"steps": 3, "stepMs": 1, "crashTimes": 100, "crashAtStep": 2, "crashSame": true})");
  job_runtime rt{cfg_, *store_};
  const auto j = wait_terminal(id);
  EXPECT_EQ(j.status, job_status::failed);
  EXPECT_NE(j.error.find("failed again with the same error after a restart: "), std::string::npos) << j.error;
  EXPECT_NE(j.error.find("crashed on purpose before step 2"), std::string::npos) << j.error;
  EXPECT_EQ(j.attempts, 2); // one restart, not five
  EXPECT_EQ(events_of(id, "restart").size(), 1u);
  EXPECT_EQ(events_of(id, "crash").size(), 2u);
}

TEST_P(job_runtime_test, a_job_left_running_by_a_dead_daemon_is_adopted_and_resumes) {
  const auto id = sleep_job(R"({"steps": 6, "stepMs": 5})");
  // What a daemon killed after step 3 leaves behind.
  store_->update_job(id, domain::job_update{job_status::running});
  for (int step = 1; step <= 3; ++step)
    ASSERT_TRUE(store_->record_sleep_step(id, step, 6));
  job_runtime rt{cfg_, *store_};
  const auto j = wait_terminal(id);
  EXPECT_EQ(j.status, job_status::succeeded) << j.error;
  EXPECT_EQ(store_->sleep_steps(id), one_to(6));
}

TEST_P(job_runtime_test, new_jobs_are_picked_up_while_running) {
  job_runtime rt{cfg_, *store_};
  const auto a = sleep_job(R"({"steps": 2, "stepMs": 1})");
  rt.nudge();
  const auto b = sleep_job(R"({"steps": 2, "stepMs": 1})"); // found by the periodic poll
  EXPECT_EQ(wait_terminal(a).status, job_status::succeeded);
  EXPECT_EQ(wait_terminal(b).status, job_status::succeeded);
}

TEST_P(job_runtime_test, a_cancelled_job_stops_and_records_no_further_step) {
  const auto id = sleep_job(R"({"steps": 1000, "stepMs": 10})");
  job_runtime rt{cfg_, *store_};
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (store_->sleep_steps(id).size() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  store_->update_job(id, domain::job_update{job_status::cancelled});
  // The actor may already have stopped by itself (its next step saw the cancelled row) or be
  // stopped by the supervisor now; either way no step may follow.
  caf::scoped_actor self{rt.system()};
  self->request(rt.supervisor(), 2s, cancel_atom::value, id).receive([](bool) {},
                                                                    [](caf::error& e) { FAIL() << caf::to_string(e); });
  const auto steps = store_->sleep_steps(id).size();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(store_->sleep_steps(id).size(), steps);
  EXPECT_LT(steps, 1000u);
  EXPECT_EQ(store_->find_job(id)->status, job_status::cancelled);
  EXPECT_EQ(rt.stats().live_job_actors, 0);
}

TEST_P(job_runtime_test, shutdown_keeps_progress_and_a_new_runtime_finishes_the_job) {
  const auto id = sleep_job(R"({"steps": 40, "stepMs": 10})");
  {
    job_runtime rt{cfg_, *store_};
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (store_->sleep_steps(id).size() < 5 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(10ms);
    EXPECT_TRUE(rt.stop(5s));
  }
  const auto mid = store_->find_job(id);
  EXPECT_EQ(mid->status, job_status::running);
  EXPECT_EQ(static_cast<std::size_t>(mid->progress.done), store_->sleep_steps(id).size());
  job_runtime again{cfg_, *store_};
  EXPECT_EQ(wait_terminal(id).status, job_status::succeeded);
  EXPECT_EQ(store_->sleep_steps(id), one_to(40));
}

TEST_P(job_runtime_test, unknown_kinds_and_bad_payloads_fail_the_job_with_a_reason) {
  const auto unknown = sleep_job("{}", "teleport");
  const auto bad = sleep_job(R"({"steps": "many"})");
  job_runtime rt{cfg_, *store_};
  const auto u = wait_terminal(unknown);
  EXPECT_EQ(u.status, job_status::failed);
  EXPECT_EQ(u.error, "unknown job kind: teleport");
  const auto b = wait_terminal(bad);
  EXPECT_EQ(b.status, job_status::failed);
  EXPECT_EQ(b.error, "invalid sleep payload: steps must be an integer");
}

INSTANTIATE_TEST_SUITE_P(backends, job_runtime_test,
                         test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra::actors

namespace tunemantra::actors {
namespace {

// Debian's CAF has no type-id checks at compile time: send every request of the supervisor's
// interface through a real actor and check the answers' types and values.
TEST(supervisor_messages, every_request_round_trips) {
  test::temp_dir dir;
  config::config cfg;
  cfg.database = test::database_config_for("sqlite://" + (dir.path() / "tm.db").string());
  cfg.jobs.poll_interval_ms = 60000; // no poll interference
  auto store = persistence::open_store(cfg.database);
  store->migrate();
  domain::new_job nj;
  nj.kind = "sleep";
  nj.payload = R"({"steps": 100000, "stepMs": 50})";
  const auto id = store->create_job(nj).id;
  job_runtime rt{cfg, *store};
  caf::scoped_actor self{rt.system()};
  // One typed answer per request; an error or a wrong type fails the test.
  auto ask_bool = [&](auto... xs) {
    std::optional<bool> out;
    self->request(rt.supervisor(), 5s, xs...).receive([&](bool answer) { out = answer; },
                                                      [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return out;
  };
  std::optional<std::int64_t> live;
  self->request(rt.supervisor(), 5s, ping_atom::value)
    .receive([&](std::int64_t n) { live = n; }, [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  ASSERT_TRUE(live.has_value());
  // The first poll claims the job; adopting it again under the same epoch must say no.
  for (int i = 0; i < 100 && live != 1; ++i) {
    std::this_thread::sleep_for(50ms);
    self->request(rt.supervisor(), 5s, ping_atom::value)
      .receive([&](std::int64_t n) { live = n; }, [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  }
  ASSERT_EQ(live, 1);
  const auto leases = store->cluster().view().leases;
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases[0].owner, rt.node().id);
  EXPECT_EQ(ask_bool(adopt_atom::value, id, std::string("sleep"), leases[0].epoch), false);
  caf::anon_send(rt.supervisor(), beat_atom::value);
  caf::anon_send(rt.supervisor(), lead_atom::value, true, domain::now_millis());
  caf::anon_send(rt.supervisor(), lost_atom::value, std::int64_t{424242}, std::int64_t{1}); // unknown: ignored
  self->request(rt.supervisor(), 5s, ping_atom::value)
    .receive([&](std::int64_t n) { live = n; }, [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  EXPECT_EQ(live, 1);
  EXPECT_EQ(ask_bool(cancel_atom::value, std::int64_t{424242}), false);
  caf::anon_send(rt.supervisor(), poll_atom::value);
  caf::anon_send(rt.supervisor(), restart_atom::value, std::int64_t{424242}); // unknown: ignored
  caf::anon_send(rt.supervisor(), adopt_atom::value, std::int64_t{424242});   // unknown: ignored
  caf::anon_send(rt.supervisor(), failed_atom::value, std::int64_t{424242});  // unknown: ignored
  EXPECT_EQ(ask_bool(cancel_atom::value, id), true);
  EXPECT_EQ(ask_bool(shutdown_atom::value), true);
}

} // namespace
} // namespace tunemantra::actors
