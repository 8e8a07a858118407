// Delivery under faults, over real HTTP on both databases, against a fake platform server on
// 127.0.0.1: retry then success, permanent refusal, an exhausted attempt budget, and a platform's
// concurrency limit held across many jobs. The platform counts every MessageId: none may ever be
// accepted twice.

#include <gtest/gtest.h>

#include "tests/http/delivery_fixture.hpp"
#include "tests/support/fake_platform.hpp"

namespace tunemantra::http {
namespace {

class delivery_faults : public delivery_fixture {
protected:
  test::fake_platform fake_;

  /// A ready release distributed to `platforms`: {release id, job id}.
  std::pair<std::int64_t, std::int64_t> distribute(const std::vector<std::int64_t>& platforms) {
    const auto release = ready_release(alice_, 1);
    const auto job = created(post(alice_, "/api/releases/" + std::to_string(release) + "/distributions", {{"platformIds", platforms}}));
    return {release, job};
  }

  /// A release sent to one http platform that behaves as `b`: the job must succeed and the
  /// delivery be delivered after `attempts` attempts. {delivery, job id}.
  std::pair<nlohmann::json, std::int64_t> delivered_through(const std::string& code, test::fake_platform::behaviour b,
                                                            int attempts) {
    fake_.set(b);
    const auto platform = http_platform(code, fake_.url(), 5);
    const auto [release, job] = distribute({platform});
    EXPECT_EQ(wait_terminal(alice_, job)["status"], "succeeded");
    auto d = delivery_on(alice_, release, platform);
    EXPECT_EQ(d["status"], "delivered");
    EXPECT_EQ(d["attempts"], attempts);
    EXPECT_EQ(fake_.received(d["messageId"]), attempts);
    EXPECT_EQ(fake_.accepted(d["messageId"]), 1); // resends carry the same MessageId
    return {d, job};
  }

  std::vector<std::string> event_messages(std::int64_t job) {
    std::vector<std::string> out;
    const auto page = body_of(as(alice_).Get("/api/jobs/" + std::to_string(job) + "/events?limit=100"));
    for (const auto& e : page["data"])
      out.push_back(e["message"].get<std::string>());
    return out;
  }
};

bool any_contains(const std::vector<std::string>& texts, const std::string& part) {
  return std::any_of(texts.begin(), texts.end(), [&](const auto& t) { return t.find(part) != std::string::npos; });
}

TEST_P(delivery_faults, a_platform_that_fails_twice_gets_the_release_on_the_third_try) {
  const auto [d, job] = delivered_through("flaky", {0, 2, 0}, 3);
  EXPECT_EQ(d["batchId"], "R-" + d["messageId"].get<std::string>()); // the platform's receipt
  const auto events = event_messages(job);
  EXPECT_TRUE(any_contains(events, "answered 503")) << ::testing::PrintToString(events);
  EXPECT_TRUE(any_contains(events, "retrying in"));
}

TEST_P(delivery_faults, a_refusal_is_permanent_and_not_retried) {
  fake_.set({0, 0, 400});
  const auto platform = http_platform("strict", fake_.url(), 5);
  const auto [release, job] = distribute({platform});
  EXPECT_EQ(wait_terminal(alice_, job)["status"], "failed");
  const auto d = delivery_on(alice_, release, platform);
  EXPECT_EQ(d["status"], "failed");
  EXPECT_EQ(d["attempts"], 1);
  EXPECT_NE(d["lastError"].get<std::string>().find("answered 400"), std::string::npos) << d.dump();
  EXPECT_EQ(fake_.received(d["messageId"]), 1);
  EXPECT_TRUE(any_contains(event_messages(job), "permanent: not retried"));
}

TEST_P(delivery_faults, an_exhausted_attempt_budget_fails_the_delivery) {
  fake_.set({0, 1000, 0});
  const auto platform = http_platform("down", fake_.url(), 3);
  const auto [release, job] = distribute({platform});
  EXPECT_EQ(wait_terminal(alice_, job)["status"], "failed");
  const auto d = delivery_on(alice_, release, platform);
  EXPECT_EQ(d["attempts"], 3);
  EXPECT_EQ(fake_.received(d["messageId"]), 3);
  EXPECT_EQ(fake_.accepted(d["messageId"]), 0);
  EXPECT_TRUE(any_contains(event_messages(job), "no attempts left"));
}

TEST_P(delivery_faults, a_platforms_concurrency_limit_holds_across_jobs) {
  fake_.set({150, 0, 0});
  const auto slow = http_platform("slow", fake_.url(), 5, 2);
  std::vector<std::pair<std::int64_t, std::int64_t>> jobs; // release, job
  for (int i = 0; i < 6; ++i) {
    const auto release = ready_release(alice_, 1);
    jobs.emplace_back(release, created(post(alice_, "/api/releases/" + std::to_string(release) + "/distributions",
                                            {{"platformIds", {slow}}})));
  }
  for (const auto& [release, job] : jobs) {
    EXPECT_EQ(wait_terminal(alice_, job)["status"], "succeeded");
    EXPECT_EQ(fake_.accepted(delivery_on(alice_, release, slow)["messageId"]), 1);
  }
  EXPECT_LE(fake_.peak_concurrency(), 2);
  EXPECT_GE(fake_.peak_concurrency(), 1);
  EXPECT_EQ(live_->srv().runtime().gate().peak(slow), fake_.peak_concurrency());
  EXPECT_EQ(fake_.distinct_messages(), 6);
  EXPECT_EQ(fake_.duplicates(), 0); // no crash here: nothing is sent twice
}

TEST_P(delivery_faults, a_slow_platform_holds_only_its_own_deliveries) {
  fake_.set({2500, 0, 0});
  const auto slow = http_platform("slow", fake_.url(), 5, 1);
  const auto fast = folder_platform("fast");
  const auto [release, job] = distribute({slow, fast});
  wait_delivery(alice_, release, fast, "delivered"); // while the slow platform is still answering
  EXPECT_EQ(delivery_on(alice_, release, slow)["status"], "delivering");
  EXPECT_EQ(wait_terminal(alice_, job)["status"], "succeeded");
  EXPECT_EQ(delivery_on(alice_, release, slow)["status"], "delivered");
}

TEST_P(delivery_faults, a_connection_dropped_after_acceptance_is_sent_again_and_accepted_once) {
  // The platform takes the message, then the answer is cut off, twice.
  const auto [d, job] = delivered_through("cutoff", {0, 0, 0, 2}, 3);
  EXPECT_EQ(fake_.dropped(), 2);
  EXPECT_EQ(fake_.duplicates(), 2);
  EXPECT_EQ(fake_.distinct_messages(), 1);
  EXPECT_TRUE(any_contains(event_messages(job), "retrying in"));
}

TEST_P(delivery_faults, a_job_actor_that_crashes_mid_send_is_restarted_and_sends_nothing_twice) {
  fake_.set({1500, 0, 0});
  const auto slow = http_platform("slow", fake_.url(), 5);
  const auto fast = folder_platform("fast");
  const auto [release, job] = distribute({slow, fast});
  wait_delivery(alice_, release, slow, "delivering");
  auto& runtime = live_->srv().runtime();
  const auto restarts = runtime.stats().restarts.load();
  ASSERT_TRUE(runtime.kick(job)); // the actor dies while its send to the slow platform runs
  EXPECT_EQ(wait_terminal(alice_, job)["status"], "succeeded");
  EXPECT_EQ(runtime.stats().restarts.load(), restarts + 1);
  const auto d = delivery_on(alice_, release, slow);
  EXPECT_EQ(d["status"], "delivered");
  EXPECT_EQ(d["attempts"], 1); // the restarted actor adopted the running send instead of sending again
  EXPECT_EQ(fake_.received(d["messageId"]), 1);
  EXPECT_EQ(fake_.accepted(d["messageId"]), 1);
  EXPECT_EQ(delivery_on(alice_, release, fast)["status"], "delivered");
  const auto events = event_messages(job);
  EXPECT_TRUE(any_contains(events, "job actor crashed: stopped by an operator")) << ::testing::PrintToString(events);
  EXPECT_FALSE(runtime.kick(job)); // ended: nothing left to stop
}

INSTANTIATE_TEST_SUITE_P(backends, delivery_faults, test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra::http
