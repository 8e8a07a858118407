// Bulk distributions over real HTTP on both databases: refused releases are reported per item
// (unknown, another account's, not ready, already on the platform) while the rest go out; cancel
// stops what is not sent and keeps what is; bad requests get 400.

#include <map>
#include <set>

#include <gtest/gtest.h>

#include "tests/http/delivery_fixture.hpp"
#include "tests/support/delivery_seed.hpp"
#include "tests/support/fake_platform.hpp"
#include "tests/support/xsd.hpp"

namespace tunemantra::http {
namespace {

class bulk_api : public delivery_fixture {
protected:
  test::fake_platform fake_;

  /// `n` ready releases of `key`'s account, seeded through the store (the http connector sends
  /// hashes, not files).
  std::vector<std::int64_t> seeded_releases(const std::string& key, int n) {
    const auto me = body_of(as(key).Get("/api/auth/me"))["data"];
    const test::seeded_account account{me["id"].get<std::int64_t>(), created(post(key, "/api/artists", {{"name", "Bulk"}}))};
    std::vector<std::int64_t> ids;
    for (int i = 0; i < n; ++i)
      ids.push_back(test::seed_ready_release(live_->store(), account, "Bulk " + std::to_string(i)));
    return ids;
  }

  std::int64_t bulk(const std::string& key, const std::vector<std::int64_t>& releases, const std::vector<std::int64_t>& platforms) {
    auto r = post(key, "/api/bulk-distributions", {{"releaseIds", releases}, {"platformIds", platforms}});
    EXPECT_EQ(r->status, 202) << r->body;
    EXPECT_EQ(r->get_header_value("Location"), "/api/jobs/" + std::to_string(body_of(r)["data"]["id"].get<std::int64_t>()));
    return body_of(r)["data"]["id"];
  }
};

TEST_P(bulk_api, refused_releases_are_reported_per_item_and_the_rest_go_out) {
  const auto web = http_platform("web", fake_.url());
  const auto folder = folder_platform("folder");
  auto good = seeded_releases(alice_, 5);
  const auto with_files = ready_release(alice_, 1); // real files, so the folder connector can link them
  good.push_back(with_files);
  // Already on the web platform: refused, not sent twice.
  const auto earlier = created(post(alice_, "/api/releases/" + std::to_string(good[0]) + "/distributions", {{"platformIds", {web}}}));
  EXPECT_EQ(wait_terminal(alice_, earlier)["status"], "succeeded");
  const auto not_ready = created(post(alice_, "/api/releases", {{"title", "Draft"}, {"type", "single"}, {"releaseDate", "2099-01-01"}, {"artistId", created(post(alice_, "/api/artists", {{"name", "X"}}))}}));
  const auto foreign = seeded_releases(bob_, 1).front();

  std::vector<std::int64_t> asked = good;
  asked.insert(asked.begin() + 2, {not_ready, foreign, 987654321});
  // The folder platform needs real files: only `with_files` can reach it, so send the others to web only.
  const auto job = bulk(alice_, asked, {web});
  const auto done = wait_terminal(alice_, job);
  EXPECT_EQ(done["status"], "partially_failed") << done.dump();
  EXPECT_EQ(done["kind"], "bulk_distribution");
  const auto& result = done["result"];
  EXPECT_EQ(result["releases"]["total"], 9);
  EXPECT_EQ(result["releases"]["queued"], 5);
  EXPECT_EQ(result["releases"]["invalid"], 4);
  EXPECT_EQ(done["progress"]["total"], 9);
  EXPECT_EQ(done["progress"]["done"], 9);
  EXPECT_EQ(done["progress"]["failed"], 4);
  std::map<std::int64_t, std::string> reasons;
  for (const auto& item : result["invalidReleases"])
    reasons[item["releaseId"]] = item["reason"];
  ASSERT_EQ(reasons.size(), 4u) << result.dump();
  EXPECT_NE(reasons[good[0]].find("already on platform"), std::string::npos) << reasons[good[0]];
  EXPECT_NE(reasons[not_ready].find("not ready for platforms: "), std::string::npos) << reasons[not_ready];
  EXPECT_NE(reasons[not_ready].find("ARTWORK_MISSING"), std::string::npos) << reasons[not_ready];
  EXPECT_EQ(reasons[foreign], "no release " + std::to_string(foreign) + " in this account"); // no leak: as if unknown
  EXPECT_EQ(reasons[987654321], "no release 987654321 in this account");
  for (std::size_t i = 1; i < good.size(); ++i) {
    const auto d = delivery_on(alice_, good[i], web);
    EXPECT_EQ(d["status"], "delivered");
    EXPECT_EQ(fake_.accepted(d["messageId"]), 1);
    EXPECT_EQ(body_of(as(alice_).Get("/api/releases/" + std::to_string(good[i])))["data"]["status"], "distributed");
  }
  EXPECT_EQ(fake_.duplicates(), 0);
  EXPECT_EQ(fake_.distinct_messages(), 6); // the earlier distribution and the five new ones

  // Retry (admin) re-runs only the failures: the refused releases are checked again (and refused
  // again, nothing about them changed); the delivered ones are not sent twice.
  EXPECT_EQ(post(alice_, "/api/jobs/" + std::to_string(job) + "/retry", json::object())->status, 403);
  const auto retried = post(admin_, "/api/jobs/" + std::to_string(job) + "/retry", json::object());
  ASSERT_EQ(retried->status, 202) << retried->body;
  EXPECT_EQ(body_of(retried)["data"]["status"], "queued");
  const auto again = wait_terminal(alice_, job);
  EXPECT_EQ(again["status"], "partially_failed");
  EXPECT_EQ(again["result"]["releases"]["invalid"], 4);
  EXPECT_EQ(fake_.distinct_messages(), 6);
  EXPECT_EQ(fake_.duplicates(), 0);
  EXPECT_EQ(post(admin_, "/api/jobs/" + std::to_string(earlier) + "/retry", json::object())->status, 409); // succeeded

  // The folder platform gets a real ERN batch from a bulk job too.
  const auto second = bulk(alice_, {with_files}, {folder});
  EXPECT_EQ(wait_terminal(alice_, second)["status"], "succeeded");
  EXPECT_EQ(delivery_on(alice_, with_files, folder)["status"], "delivered");
}

TEST_P(bulk_api, each_release_of_a_bulk_job_is_sent_as_itself) {
  // A bulk job sends many releases: every batch carries its own release, never the first one's.
  const auto folder = folder_platform("folder");
  std::vector<std::int64_t> releases;
  for (int i = 0; i < 3; ++i)
    releases.push_back(ready_release(alice_, i + 1));
  const auto job = bulk(alice_, releases, {folder});
  ASSERT_EQ(wait_terminal(alice_, job)["status"], "succeeded");
  std::set<std::string> upcs;
  for (const auto release : releases) {
    const auto d = delivery_on(alice_, release, folder);
    ASSERT_EQ(d["status"], "delivered") << d.dump();
    const auto upc = body_of(as(alice_).Get("/api/releases/" + std::to_string(release)))["data"]["upc"].get<std::string>();
    upcs.insert(upc);
    const auto batch = drop("folder") / ("N_" + d["batchId"].get<std::string>());
    const auto xml = test::read_bytes(batch / upc / (upc + ".xml"));
    EXPECT_NE(xml.find("<ICPN>" + upc + "</ICPN>"), std::string::npos) << batch;
    std::size_t files = 0;
    for (const auto& e : fs::directory_iterator(batch / upc / "resources"))
      files += e.is_regular_file() ? 1 : 0;
    const auto tracks = body_of(as(alice_).Get("/api/releases/" + std::to_string(release) + "/tracks"))["data"];
    EXPECT_EQ(files, tracks.size() + 1) << "its own tracks and cover";
  }
  EXPECT_EQ(upcs.size(), 3u);
}

TEST_P(bulk_api, a_platform_taking_several_releases_per_batch_gets_them_in_shared_batches) {
  const auto folder = created(post(admin_, "/api/platforms",
                                   {{"code", "batched"},
                                    {"name", "Batched"},
                                    {"maxConcurrency", 2},
                                    {"connector",
                                     {{"type", "ddex-folder"},
                                      {"path", drop("batched").string()},
                                      {"ackPath", ack("batched").string()},
                                      {"recipientDpid", "PADPIDA2011072101T"},
                                      {"recipientName", "Batched"},
                                      {"manifest", "ern-c-sftp/17"},
                                      {"releasesPerBatch", 3}}}}));
  std::vector<std::int64_t> releases;
  for (int i = 0; i < 7; ++i)
    releases.push_back(ready_release(alice_, 1));
  const auto job = bulk(alice_, releases, {folder});
  ASSERT_EQ(wait_terminal(alice_, job)["status"], "succeeded");
  std::map<std::string, std::vector<json>> by_batch;
  for (const auto release : releases) {
    auto d = delivery_on(alice_, release, folder);
    ASSERT_EQ(d["status"], "delivered") << d.dump();
    d["upc"] = body_of(as(alice_).Get("/api/releases/" + std::to_string(release)))["data"]["upc"];
    by_batch[d["batchId"].get<std::string>()].push_back(d);
  }
  EXPECT_LT(by_batch.size(), releases.size()) << "releases share batches";
  std::size_t folders = 0;
  for (const auto& e : fs::directory_iterator(drop("batched")))
    folders += e.is_directory() ? 1 : 0;
  EXPECT_EQ(folders, by_batch.size());
  for (const auto& [batch_id, members] : by_batch) {
    EXPECT_LE(members.size(), 3u);
    const auto batch = drop("batched") / ("N_" + batch_id);
    const auto manifest = test::read_bytes(batch / ("BatchComplete_" + batch_id + ".xml"));
    EXPECT_EQ(test::xmllint_errors(test::choreography_schema_path("ern-c-sftp/17"), manifest), "") << manifest;
    EXPECT_NE(manifest.find("<NumberOfMessages>" + std::to_string(members.size()) + "</NumberOfMessages>"), std::string::npos)
      << manifest;
    std::size_t release_folders = 0;
    for (const auto& e : fs::directory_iterator(batch))
      release_folders += e.is_directory() ? 1 : 0;
    EXPECT_EQ(release_folders, members.size());
    for (const auto& d : members) {
      const auto upc = d["upc"].get<std::string>();
      EXPECT_NE(manifest.find("<MessageId>" + d["messageId"].get<std::string>() + "</MessageId>"), std::string::npos);
      EXPECT_NE(manifest.find("<URL>" + upc + "/" + upc + ".xml</URL>"), std::string::npos);
      EXPECT_NE(test::read_bytes(batch / upc / (upc + ".xml")).find("<ICPN>" + upc + "</ICPN>"), std::string::npos);
    }
  }
}

TEST_P(bulk_api, cancel_stops_what_is_not_sent_and_keeps_what_is) {
  fake_.set({250, 0, 0});
  const auto slow = http_platform("slow", fake_.url(), 5, 1);
  const auto releases = seeded_releases(alice_, 12);
  const auto job = bulk(alice_, releases, {slow});
  wait_job(alice_, job, [](const json& j) { return j["progress"]["done"].get<int>() >= 2; });
  const auto r = as(alice_).Post("/api/jobs/" + std::to_string(job) + "/cancel", "", "application/json");
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(wait_terminal(alice_, job)["status"], "cancelled");
  std::this_thread::sleep_for(600ms); // a send under way finishes; nothing new starts
  const int received = fake_.total_received();
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(fake_.total_received(), received);
  int delivered = 0, cancelled = 0;
  for (const auto release : releases) {
    const auto ds = distributions(alice_, release);
    if (ds.empty())
      continue; // not checked before the cancel: no delivery was made
    const auto status = ds[0]["status"].get<std::string>();
    delivered += status == "delivered";
    cancelled += status == "cancelled";
    EXPECT_TRUE(status == "delivered" || status == "cancelled") << status;
  }
  EXPECT_GE(delivered, 2);
  EXPECT_LT(delivered, 12);
  EXPECT_EQ(delivered, received); // each accepted once, none cancelled after being sent
}

TEST_P(bulk_api, bad_requests_are_refused_with_reasons) {
  const auto web = http_platform("web", fake_.url());
  const json bad[] = {
    {{"platformIds", {web}}},
    {{"releaseIds", json::array()}, {"platformIds", {web}}},
    {{"releaseIds", {"1"}}, {"platformIds", {web}}},
    {{"releaseIds", {0}}, {"platformIds", {web}}},
    {{"releaseIds", std::vector<int>(10'001, 1)}, {"platformIds", {web}}},
    {{"releaseIds", {1}}},
    {{"releaseIds", {1}}, {"platformIds", {99999}}},
    {{"releaseIds", {1}}, {"platformIds", {web}}, {"scheduledAt", "soon"}},
  };
  for (const auto& body : bad) {
    const auto r = post(alice_, "/api/bulk-distributions", body);
    EXPECT_EQ(r->status, 400) << body.dump().substr(0, 200);
    EXPECT_EQ(body_of(r)["error"]["code"], "VALIDATION_ERROR");
  }
  const auto r = as(alice_).Post("/api/bulk-distributions", "{nope", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body_of(r)["error"]["code"], "MALFORMED_JSON");
}

INSTANTIATE_TEST_SUITE_P(backends, bulk_api, test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra::http
