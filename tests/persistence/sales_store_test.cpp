// The sales store on both databases: one report per file and MessageId while it counts, rows
// matched to the account's recordings (ISRC) and releases (UPC), a failed report leaves no rows
// and does not block the file from coming again.

#include <thread>

#include <gtest/gtest.h>

#include "persistence/store.hpp"
#include "tests/support/delivery_seed.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra::persistence {
namespace {

class sales_store_test : public ::testing::TestWithParam<backend_kind> {
protected:
  void SetUp() override {
    store_ = open_store(test::database_config_for(url_));
    store_->migrate();
    account_ = test::seed_account(*store_);
    release_ = test::seed_ready_release(*store_, account_, "Sold");
  }

  std::pair<sales_report, domain::job> report(const std::string& sha, const std::string& message_id = "") {
    sales_report r;
    r.account_id = account_.user_id;
    r.format = message_id.empty() ? "csv" : "dsr";
    r.sha256 = sha;
    r.message_id = message_id;
    r.file_path = "/tmp/report";
    domain::new_job job;
    job.account_id = account_.user_id;
    job.kind = "sales_import";
    return store_->sales().create_report(r, job);
  }

  /// File `n` of `files` of the DSR `message_id`.
  std::pair<sales_report, std::optional<domain::job>> file(const std::string& message_id, int n, int files,
                                                           const std::string& sha) {
    sales_report r;
    r.account_id = account_.user_id;
    r.format = "dsr";
    r.message_id = message_id;
    r.number_of_files = files;
    domain::new_job job;
    job.account_id = account_.user_id;
    job.kind = "sales_import";
    return store_->sales().add_report_file(r, {n, sha, 100 + n, "/tmp/part" + std::to_string(n), 0}, job);
  }

  /// A usage row, matched against the account's catalog as an import does.
  stored_usage row(long long line, const std::string& isrc, const std::string& upc, long long quantity) {
    domain::sales::usage u;
    u.line = line;
    u.platform = "StreamCo";
    u.territory = "GB";
    u.usage_start = "2026-10-01";
    u.usage_end = "2026-10-31";
    u.isrc = isrc;
    u.upc = upc;
    u.use_type = "stream";
    u.quantity = quantity;
    u.revenue = quantity * 1000;
    u.currency = "GBP";
    return store_->sales().load_match_keys(account_.user_id).match(u);
  }

  test::scratch_database db_{GetParam()};
  std::string url_ = db_.url();
  std::unique_ptr<store> store_;
  test::seeded_account account_;
  std::int64_t release_ = 0;
};

TEST_P(sales_store_test, imports_matches_and_refuses_the_same_file_or_message_twice) {
  auto& sales = store_->sales();
  const auto [r, job] = report(std::string(64, '1'), "MSG-1");
  EXPECT_EQ(r.status, "importing");
  EXPECT_EQ(job.kind, "sales_import");
  EXPECT_EQ(job.payload, R"({"reportId":)" + std::to_string(r.id) + "}");
  EXPECT_EQ(r.job_id, job.id);
  EXPECT_THROW(report(std::string(64, '1')), duplicate_report);
  EXPECT_THROW(report(std::string(64, '2'), "MSG-1"), duplicate_report);

  const auto isrc = store_->catalog().list_tracks(account_.user_id, release_).at(0).isrc;
  const auto upc = store_->catalog().find_release(account_.user_id, release_)->upc;
  auto odd = row(9, "GBAYE2499999", "", 5);
  odd.usage.platform = "Back\\slash\tTab\nLine\rReturn"; // COPY's text format must escape these
  EXPECT_FALSE(odd.recording_id);
  const auto matched = row(7, isrc, "", 400);
  EXPECT_TRUE(matched.recording_id);
  EXPECT_FALSE(matched.release_id);
  EXPECT_TRUE(row(8, "", upc, 3).release_id);
  sales.insert_rows(r, {matched, row(8, "", upc, 3), odd});
  const auto done = sales.complete_report(r.id, "MSG-1", "StreamCo", "2026-10-01", "2026-10-31");
  EXPECT_EQ(done.status, "imported");
  EXPECT_EQ(done.rows_total, 3);
  EXPECT_EQ(done.rows_unmatched, 1);
  EXPECT_EQ(done.platform, "StreamCo");
  EXPECT_TRUE(done.finished_at);
  const auto unmatched = sales.unmatched_rows(r.id, 10);
  ASSERT_EQ(unmatched.size(), 1u);
  EXPECT_EQ(unmatched[0].usage.line, 9);
  EXPECT_EQ(unmatched[0].usage.isrc, "GBAYE2499999");
  EXPECT_EQ(unmatched[0].usage.revenue, 5000);
  EXPECT_EQ(unmatched[0].usage.platform, "Back\\slash\tTab\nLine\rReturn");

  EXPECT_FALSE(sales.find_report(r.id, account_.user_id + 100)); // another account's report does not exist
  EXPECT_TRUE(sales.find_report(r.id, account_.user_id));
}

TEST_P(sales_store_test, the_files_of_a_report_gather_until_the_last_queues_one_import) {
  auto [waiting, none] = file("MSG-3", 3, 3, "sha-3");
  EXPECT_EQ(waiting.status, "waiting");
  EXPECT_FALSE(none);
  ASSERT_EQ(waiting.files.size(), 1u);
  EXPECT_EQ(waiting.files[0].number, 3);
  EXPECT_EQ(waiting.files[0].bytes, 103);
  EXPECT_THROW(file("MSG-3", 3, 3, "sha-3b"), duplicate_report); // that file number is in
  EXPECT_THROW(file("MSG-3", 1, 2, "sha-1b"), duplicate_report); // another NumberOfFiles
  EXPECT_THROW(file("MSG-9", 1, 2, "sha-3"), duplicate_report);  // the same bytes as a file already in
  EXPECT_THROW(report("sha-x", "MSG-3"), duplicate_report);      // the message, as a single file
  // The two missing files at once, from two threads: one of them completes the set, exactly once.
  std::vector<std::optional<domain::job>> jobs(2);
  std::thread a([&] { jobs[0] = file("MSG-3", 1, 3, "sha-1").second; });
  std::thread b([&] { jobs[1] = file("MSG-3", 2, 3, "sha-2").second; });
  a.join();
  b.join();
  EXPECT_EQ(static_cast<int>(jobs[0].has_value()) + static_cast<int>(jobs[1].has_value()), 1);
  const auto done = *store_->sales().find_report(waiting.id);
  EXPECT_EQ(done.status, "importing");
  ASSERT_EQ(done.files.size(), 3u);
  EXPECT_EQ(done.files[0].path, "/tmp/part1"); // in file order
  EXPECT_EQ(done.files[2].path, "/tmp/part3");
  EXPECT_EQ(done.job_id, (jobs[0] ? jobs[0] : jobs[1])->id);
  EXPECT_THROW(file("MSG-3", 1, 3, "sha-1c"), duplicate_report); // importing now
  // Once failed, the message may come again as a new report.
  store_->sales().fail_report(waiting.id, "[]");
  EXPECT_EQ(file("MSG-3", 1, 3, "sha-1").first.status, "waiting");
}

TEST_P(sales_store_test, a_failed_report_keeps_no_rows_and_the_file_may_come_again) {
  auto& sales = store_->sales();
  const auto first = report(std::string(64, '3'), "MSG-3").first;
  sales.insert_rows(first, {row(5, "GBAYE2499999", "", 1)});
  sales.fail_report(first.id, R"([{"line":9,"message":"no FOOT record"}])");
  const auto failed = sales.find_report(first.id);
  EXPECT_EQ(failed->status, "failed");
  EXPECT_EQ(failed->problems, R"([{"line":9,"message":"no FOOT record"}])");
  EXPECT_TRUE(sales.unmatched_rows(first.id, 10).empty());
  EXPECT_NO_THROW(report(std::string(64, '3'), "MSG-3")); // a corrected send of a failed one

  // An interrupted import starts clean.
  const auto second = report(std::string(64, '4')).first;
  sales.insert_rows(second, {row(2, "GBAYE2499999", "", 1), row(3, "GBAYE2499998", "", 1)});
  sales.clear_rows(second.id);
  EXPECT_TRUE(sales.unmatched_rows(second.id, 10).empty());
}

TEST_P(sales_store_test, daily_totals_counted_during_an_import_match_the_ones_the_database_sums) {
  auto& sales = store_->sales();
  const auto isrc = store_->catalog().list_tracks(account_.user_id, release_).at(0).isrc;
  const auto upc = store_->catalog().find_release(account_.user_id, release_)->upc;
  std::vector<stored_usage> rows;
  for (int i = 0; i < 40; ++i) {
    auto r = row(i + 1, i % 3 == 0 ? "GBAYE2499999" : isrc, i % 4 == 0 ? upc : "", 1 + i);
    r.usage.use_type = i % 5 == 0 ? "PermanentDownload" : "OnDemandStream";
    r.usage.usage_start = i % 2 ? "2026-10-01" : "2026-10-02";
    r.usage.territory = i % 7 == 0 ? "US" : "GB";
    rows.push_back(r);
  }
  // The same rows twice: counted in memory, then with too many groups to keep (the database sums).
  std::vector<analytics_bucket> seen[2];
  for (int pass = 0; pass < 2; ++pass) {
    const auto r = report(std::string(64, static_cast<char>('5' + pass))).first;
    sales.insert_rows(r, rows);
    daily_totals totals(pass == 0 ? 1000 : 2);
    for (const auto& row : rows)
      totals.add(row);
    const auto counted = totals.take();
    EXPECT_EQ(counted.daily_complete, pass == 0);
    EXPECT_EQ(counted.rows, 40);
    const auto done = sales.complete_report(r.id, "", "StreamCo", "2026-10-01", "2026-10-31", &counted);
    EXPECT_EQ(done.rows_total, 40);
    EXPECT_EQ(done.rows_unmatched, counted.unmatched);
    analytics_scope scope;
    scope.id = rows[1].recording_id.value();
    scope.group = analytics_group::territory;
    seen[pass] = sales.analytics(scope);
  }
  ASSERT_EQ(seen[0].size(), seen[1].size());
  for (std::size_t i = 0; i < seen[0].size(); ++i) { // the second report doubles every figure
    EXPECT_EQ(seen[0][i].key, seen[1][i].key);
    EXPECT_EQ(2 * seen[0][i].streams, seen[1][i].streams);
    EXPECT_EQ(2 * seen[0][i].downloads, seen[1][i].downloads);
    EXPECT_EQ(2 * seen[0][i].quantity, seen[1][i].quantity);
    EXPECT_EQ(2 * seen[0][i].revenue, seen[1][i].revenue);
    EXPECT_GT(seen[0][i].streams, 0);
  }
  EXPECT_GT(seen[0].at(0).downloads + seen[0].at(1).downloads, 0);
}

INSTANTIATE_TEST_SUITE_P(backends, sales_store_test, test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra::persistence
