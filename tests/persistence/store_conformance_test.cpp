// One suite, two backends: every test here runs on a SQLite file and on the PostgreSQL fixture.

#include <atomic>
#include <memory>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "domain/time.hpp"
#include "persistence/errors.hpp"
#include "persistence/migrations.hpp"
#include "persistence/store.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra::persistence {
namespace {

using domain::job_status;

class store_conformance : public ::testing::TestWithParam<backend_kind> {
protected:
  void SetUp() override {
    store_ = open_store(test::database_config_for(url_));
    store_->migrate();
  }

  domain::job make_job(const std::string& kind = "sleep", std::optional<std::int64_t> account = 1) {
    domain::new_job nj;
    nj.kind = kind;
    nj.account_id = account;
    nj.payload = R"({"steps":3})";
    return store_->create_job(nj);
  }

  test::scratch_database db_{GetParam()};
  std::string url_ = db_.url();
  std::unique_ptr<store> store_;
};

TEST_P(store_conformance, migrations_apply_once_and_record_the_latest_version) {
  EXPECT_EQ(store_->backend(), GetParam());
  EXPECT_EQ(store_->schema_version(), latest_schema_version(GetParam()));
  EXPECT_EQ(store_->migrate(), 0); // nothing left to apply
  EXPECT_NO_THROW(store_->ping());
}

TEST_P(store_conformance, a_new_job_is_queued_with_a_created_event) {
  const auto before = domain::now_millis();
  const auto j = make_job();
  EXPECT_GT(j.id, 0);
  EXPECT_EQ(j.kind, "sleep");
  EXPECT_EQ(j.status, job_status::queued);
  EXPECT_EQ(j.payload, R"({"steps":3})");
  EXPECT_EQ(j.result, "null");
  EXPECT_EQ(j.row_version, 1);
  EXPECT_EQ(j.account_id, 1);
  EXPECT_GE(j.created_at, before);
  EXPECT_EQ(j.created_at, j.updated_at);
  EXPECT_FALSE(j.started_at || j.finished_at || j.scheduled_at);
  const auto events = store_->list_events(j.id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "created");
  EXPECT_EQ(events[0].job_id, j.id);
}

TEST_P(store_conformance, recent_job_sees_writes_through_this_store_at_once_and_others_within_a_second) {
  const auto j = make_job("sleep", 5);
  ASSERT_EQ(store_->recent_job(j.id)->status, domain::job_status::queued);
  EXPECT_FALSE(store_->recent_job(j.id, 6)); // another account's job does not exist for it
  store_->update_job(j.id, {domain::job_status::running});
  EXPECT_EQ(store_->recent_job(j.id, 5)->status, domain::job_status::running);

  auto other = open_store(test::database_config_for(url_)); // as another process would
  other->update_job(j.id, {domain::job_status::succeeded});
  EXPECT_EQ(store_->find_job(j.id)->status, domain::job_status::succeeded); // find_job always reads
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(store_->recent_job(j.id)->status, domain::job_status::succeeded);
  EXPECT_FALSE(store_->recent_job(j.id + 1000));
}

TEST_P(store_conformance, a_job_with_a_time_starts_scheduled) {
  domain::new_job nj;
  nj.kind = "distribution";
  nj.scheduled_at = domain::now_millis() + 60'000;
  const auto j = store_->create_job(nj);
  EXPECT_EQ(j.status, job_status::scheduled);
  EXPECT_EQ(j.scheduled_at, nj.scheduled_at);
  EXPECT_FALSE(j.account_id.has_value());
}

TEST_P(store_conformance, another_accounts_job_and_unknown_ids_are_not_found) {
  const auto j = make_job("sleep", 7);
  EXPECT_TRUE(store_->find_job(j.id, 7).has_value());
  EXPECT_TRUE(store_->find_job(j.id).has_value());
  EXPECT_FALSE(store_->find_job(j.id, 8).has_value());
  EXPECT_FALSE(store_->find_job(j.id + 1000).has_value());
}

TEST_P(store_conformance, status_changes_bump_the_row_version_and_leave_history) {
  const auto j = make_job();
  domain::job_update running{job_status::running};
  running.count_attempt = true;
  const auto r = store_->update_job(j.id, running);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, job_status::running);
  EXPECT_EQ(r->row_version, 2);
  EXPECT_EQ(r->attempts, 1);
  ASSERT_TRUE(r->started_at);

  domain::job_update progress{job_status::running};
  progress.progress = domain::job_progress{10, 4, 1};
  const auto p = store_->update_job(j.id, progress);
  EXPECT_EQ(p->row_version, 3);
  EXPECT_EQ(p->progress.total, 10);
  EXPECT_EQ(p->progress.done, 4);
  EXPECT_EQ(p->progress.failed, 1);
  EXPECT_EQ(p->started_at, r->started_at); // started once

  domain::job_update done{job_status::succeeded};
  done.result = R"({"ok":true})";
  const auto d = store_->update_job(j.id, done);
  EXPECT_EQ(d->status, job_status::succeeded);
  EXPECT_EQ(d->result, R"({"ok":true})");
  ASSERT_TRUE(d->finished_at);

  const auto events = store_->list_events(j.id);
  ASSERT_EQ(events.size(), 3u); // created, queued -> running, running -> succeeded
  EXPECT_EQ(events[1].message, "queued -> running");
  EXPECT_EQ(events[2].message, "running -> succeeded");
  EXPECT_LT(events[1].id, events[2].id);
}

TEST_P(store_conformance, a_terminal_job_refuses_further_changes) {
  const auto j = make_job();
  domain::job_update failed{job_status::failed};
  failed.error = "restart limit reached";
  const auto f = store_->update_job(j.id, failed);
  EXPECT_EQ(f->error, "restart limit reached");
  EXPECT_THROW(store_->update_job(j.id, domain::job_update{job_status::running}), invalid_transition);
  EXPECT_THROW(store_->update_job(j.id, domain::job_update{job_status::cancelled}), invalid_transition);
  EXPECT_EQ(store_->find_job(j.id)->row_version, f->row_version); // the refused change wrote nothing
  EXPECT_FALSE(store_->update_job(j.id + 999, domain::job_update{job_status::running}).has_value());
}

TEST_P(store_conformance, lists_filter_and_paginate_newest_first) {
  for (int i = 0; i < 7; ++i)
    make_job(i % 2 ? "distribution" : "sales_import", i < 5 ? 1 : 2);
  domain::job_filter all;
  all.limit = 3;
  auto first = store_->list_jobs(all);
  EXPECT_EQ(first.total, 7);
  ASSERT_EQ(first.items.size(), 3u);
  EXPECT_GT(first.items[0].id, first.items[1].id);
  all.page = 3;
  EXPECT_EQ(store_->list_jobs(all).items.size(), 1u);

  domain::job_filter by_kind;
  by_kind.kind = "distribution";
  EXPECT_EQ(store_->list_jobs(by_kind).total, 3);

  domain::job_filter by_account;
  by_account.account_id = 2;
  EXPECT_EQ(store_->list_jobs(by_account).total, 2);

  store_->update_job(first.items[0].id, domain::job_update{job_status::cancelled});
  domain::job_filter by_status;
  by_status.status = job_status::cancelled;
  const auto cancelled = store_->list_jobs(by_status);
  ASSERT_EQ(cancelled.total, 1);
  EXPECT_EQ(cancelled.items[0].id, first.items[0].id);

  domain::job_filter future;
  future.created_from = domain::now_millis() + 60'000;
  EXPECT_EQ(store_->list_jobs(future).total, 0);
  domain::job_filter range;
  range.created_from = 0;
  range.created_to = domain::now_millis() + 1;
  EXPECT_EQ(store_->list_jobs(range).total, 7);

  domain::job_filter huge;
  huge.limit = 100000;
  EXPECT_EQ(store_->list_jobs(huge).limit, 100);
}

TEST_P(store_conformance, active_jobs_are_the_non_terminal_ones_oldest_first) {
  const auto a = make_job();
  const auto b = make_job();
  const auto c = make_job();
  store_->update_job(b.id, domain::job_update{job_status::cancelled});
  store_->update_job(c.id, domain::job_update{job_status::running});
  const auto active = store_->active_jobs();
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(active[0].id, a.id);
  EXPECT_EQ(active[1].id, c.id);
}

TEST_P(store_conformance, events_page_by_id) {
  const auto j = make_job();
  for (int i = 0; i < 5; ++i)
    store_->append_event(j.id, "step", "step " + std::to_string(i), R"({"n":)" + std::to_string(i) + "}");
  const auto firsts = store_->list_events(j.id, 0, 2);
  ASSERT_EQ(firsts.size(), 2u);
  const auto rest = store_->list_events(j.id, firsts.back().id, 100);
  ASSERT_EQ(rest.size(), 4u);
  EXPECT_EQ(rest.back().message, "step 4");
  EXPECT_EQ(rest.back().data, R"({"n":4})");
}

TEST_P(store_conformance, an_event_for_an_unknown_job_is_refused) {
  EXPECT_THROW(store_->append_event(424242, "step", "orphan"), store_error);
}

TEST_P(store_conformance, text_is_stored_verbatim_through_parameters) {
  domain::new_job nj;
  nj.kind = "x'); DROP TABLE jobs; --";
  nj.payload = R"({"title":"Café «Ωmega» 🎵 \"quoted\""})";
  const auto j = store_->create_job(nj);
  const auto back = store_->find_job(j.id);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kind, nj.kind);
  EXPECT_EQ(back->payload, nj.payload);
  EXPECT_EQ(store_->list_jobs({}).total, 1);
}

TEST_P(store_conformance, concurrent_writers_all_succeed) {
  constexpr int threads = 4, per_thread = 40;
  std::vector<std::thread> workers;
  std::vector<std::vector<std::int64_t>> ids(threads);
  std::atomic<int> failures{0};
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        try {
          const auto j = make_job();
          store_->update_job(j.id, domain::job_update{job_status::running});
          ids[t].push_back(j.id);
        } catch (const std::exception& e) {
          ++failures;
          ADD_FAILURE() << e.what();
        }
      }
    });
  }
  for (auto& w : workers)
    w.join();
  EXPECT_EQ(failures, 0);
  std::set<std::int64_t> unique;
  for (const auto& v : ids)
    unique.insert(v.begin(), v.end());
  EXPECT_EQ(unique.size(), static_cast<std::size_t>(threads * per_thread));
  EXPECT_EQ(store_->active_jobs().size(), static_cast<std::size_t>(threads * per_thread));
}

TEST_P(store_conformance, pruning_deletes_only_old_finished_jobs_with_their_events) {
  const auto old_done = make_job();
  store_->update_job(old_done.id, domain::job_update{job_status::running});
  store_->update_job(old_done.id, domain::job_update{job_status::succeeded});
  const auto still_running = make_job();
  store_->update_job(still_running.id, domain::job_update{job_status::running});
  const auto cutoff = domain::now_millis() + 1;
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto new_done = make_job();
  store_->update_job(new_done.id, domain::job_update{job_status::cancelled});
  EXPECT_EQ(store_->prune_jobs(cutoff), 1);
  EXPECT_FALSE(store_->find_job(old_done.id));
  EXPECT_TRUE(store_->list_events(old_done.id).empty());
  EXPECT_TRUE(store_->find_job(still_running.id));
  EXPECT_TRUE(store_->find_job(new_done.id));
  EXPECT_EQ(store_->prune_jobs(cutoff), 0);
}

TEST_P(store_conformance, a_committed_job_change_wakes_its_watchers) {
  const auto j = make_job();
  auto& changes = store_->changes();
  auto watch = changes.try_watch(j.id);
  ASSERT_TRUE(watch);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    store_->update_job(j.id, domain::job_update{job_status::running});
  });
  const auto start = job_changes::clock::now();
  EXPECT_TRUE(watch->wait_until(start + std::chrono::seconds(5)));
  EXPECT_LT(job_changes::clock::now() - start, std::chrono::seconds(1));
  writer.join();
  // Another job's change does not wake it; the deadline does.
  auto again = changes.try_watch(j.id);
  store_->update_job(make_job().id, domain::job_update{job_status::running});
  EXPECT_FALSE(again->wait_until(job_changes::clock::now() + std::chrono::milliseconds(100)));
}

TEST_P(store_conformance, data_survives_reopening) {
  const auto j = make_job();
  store_->update_job(j.id, domain::job_update{job_status::running});
  store_.reset();
  auto again = open_store(test::database_config_for(url_));
  EXPECT_EQ(again->migrate(), 0);
  const auto back = again->find_job(j.id);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, job_status::running);
  EXPECT_EQ(back->row_version, 2);
}

INSTANTIATE_TEST_SUITE_P(backends, store_conformance,
                         test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra::persistence
