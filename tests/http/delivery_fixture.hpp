#pragma once
// The fixture of the delivery tests: a live server with fast job polling, an admin, two users,
// ddex-folder and http platforms, a release that passes validation, and waits on jobs and
// deliveries.

#include <functional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "domain/time.hpp"
#include "tests/http/live_server.hpp"
#include "tests/support/media_fixtures.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra::http {

using json = nlohmann::json;
namespace fs = std::filesystem;

inline json body_of(const httplib::Result& r) {
  EXPECT_TRUE(r) << "request failed";
  return r ? json::parse(r->body) : json();
}

class delivery_fixture : public ::testing::TestWithParam<persistence::backend_kind> {
protected:
  void SetUp() override {
    cfg_.database = test::database_config_for(db_.url());
    cfg_.http.port = 0;
    cfg_.http.threads = 8;
    cfg_.media.dir = (dir_.path() / "media").string();
    cfg_.jobs.poll_interval_ms = 50;
    cfg_.delivery.ack_poll_interval_ms = 50;
    cfg_.delivery.retry_backoff_ms = 20;
    cfg_.delivery.sender_dpid = "PADPIDA2014120301X";
    start();
    admin_ = live_->key_for("root", domain::role::admin);
    alice_ = live_->key_for("alice", domain::role::artist);
    bob_ = live_->key_for("bob", domain::role::label);
  }
  void start() { live_ = std::make_unique<live_server>(cfg_); }
  httplib::Client as(const std::string& key) {
    auto c = live_->client(key);
    c.set_read_timeout(30s);
    c.set_write_timeout(30s);
    return c;
  }
  httplib::Result post(const std::string& key, const std::string& path, const json& body) {
    return as(key).Post(path, body.dump(), "application/json");
  }
  std::int64_t created(const httplib::Result& r) {
    EXPECT_TRUE(r && (r->status == 201 || r->status == 202)) << (r ? r->body : "no answer");
    return body_of(r)["data"]["id"].get<std::int64_t>();
  }

  /// A ddex-folder platform writing to dir_/<code>/drop and reading dir_/<code>/ack.
  /// An http platform posting to `url`.
  std::int64_t http_platform(const std::string& code, const std::string& url, int max_attempts = 5, int max_concurrency = 4,
                             int rate_per_minute = 6000) {
    return created(post(admin_, "/api/platforms",
                        {{"code", code}, {"name", "Platform " + code}, {"maxAttempts", max_attempts},
                         {"maxConcurrency", max_concurrency}, {"ratePerMinute", rate_per_minute},
                         {"connector", {{"type", "http"}, {"url", url}, {"timeoutMs", 5000}}}}));
  }
  std::int64_t folder_platform(const std::string& code, int max_attempts = 5) {
    return created(post(admin_, "/api/platforms",
                        {{"code", code},
                         {"name", "Platform " + code},
                         {"maxAttempts", max_attempts},
                         {"connector",
                          {{"type", "ddex-folder"},
                           {"path", (dir_.path() / code / "drop").string()},
                           {"ackPath", (dir_.path() / code / "ack").string()},
                           {"recipientDpid", "PADPIDA2011072101T"},
                           {"recipientName", "Platform " + code}}}}));
  }
  fs::path drop(const std::string& code) { return dir_.path() / code / "drop"; }
  fs::path ack(const std::string& code) { return dir_.path() / code / "ack"; }

  /// A release that passes validation: metadata, a 3000x3000 cover, `tracks` tracks with audio
  /// and splits.
  std::int64_t ready_release(const std::string& key, int tracks = 2) {
    const auto artist = created(post(key, "/api/artists", {{"name", "Ada"}}));
    const auto release = created(post(key, "/api/releases",
                                      {{"title", "First Light"}, {"artistId", artist}, {"type", tracks == 1 ? "single" : "ep"},
                                       {"releaseDate", "2099-03-01"}, {"genre", "Electronic"}, {"labelName", "Moon"},
                                       {"pLine", "2099 Moon"}, {"cLine", "2099 Moon"}}));
    const auto rel = std::to_string(release);
    auto c = as(key);
    EXPECT_EQ(c.Put("/api/releases/" + rel + "/artwork", test::make_jpeg(3000, 3000), "image/jpeg")->status, 200);
    for (int i = 1; i <= tracks; ++i) {
      const auto track = created(post(key, "/api/releases/" + rel + "/tracks", {{"title", "Song " + std::to_string(i)}, {"position", i}}));
      test::tone t;
      t.frequency_hz = 440.0 * i;
      const auto wav = test::write_tone(dir_.path() / "tone.wav", t);
      EXPECT_EQ(c.Put("/api/tracks/" + std::to_string(track) + "/audio", wav, "audio/wav")->status, 200);
      EXPECT_EQ(c.Put("/api/tracks/" + std::to_string(track) + "/splits", R"([{"payeeName":"Ada","shareBps":10000}])",
                      "application/json")->status, 200);
    }
    return release;
  }

  /// Polls the job until `done` says so (or 20 s pass); returns the last view.
  json wait_job(const std::string& key, std::int64_t job, const std::function<bool(const json&)>& done) {
    json view;
    for (int i = 0; i < 400; ++i) {
      view = body_of(as(key).Get("/api/jobs/" + std::to_string(job)))["data"];
      if (done(view))
        return view;
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "job " << job << " stuck: " << view.dump();
    return view;
  }
  json wait_terminal(const std::string& key, std::int64_t job) {
    return wait_job(key, job, [](const json& j) {
      const auto s = j["status"].get<std::string>();
      return s == "succeeded" || s == "failed" || s == "partially_failed" || s == "cancelled";
    });
  }
  json distributions(const std::string& key, std::int64_t release) {
    return body_of(as(key).Get("/api/releases/" + std::to_string(release) + "/distributions"))["data"];
  }
  json delivery_on(const std::string& key, std::int64_t release, std::int64_t platform) {
    for (const auto& d : distributions(key, release))
      if (d["platformId"] == platform)
        return d;
    return nullptr;
  }
  /// Waits until the release's delivery on `platform` has `status`.
  json wait_delivery(const std::string& key, std::int64_t release, std::int64_t platform, const std::string& status) {
    json d;
    for (int i = 0; i < 400; ++i) {
      d = delivery_on(key, release, platform);
      if (!d.is_null() && d["status"] == status)
        return d;
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "delivery on platform " << platform << " never became " << status << ": " << d.dump();
    return d;
  }

  test::scratch_database db_{GetParam()};
  test::temp_dir dir_;
  config::config cfg_;
  std::unique_ptr<live_server> live_;
  std::string admin_, alice_, bob_;
};

} // namespace tunemantra::http
