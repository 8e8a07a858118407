// Distribution end to end over real HTTP, on SQLite and PostgreSQL: platforms with the
// ddex-folder connector writing into temp folders, real uploaded audio and artwork, the
// supervised distribution actor, acknowledgement files read back, cancel, schedule (surviving a
// restart), pause/resume, takedown, redelivery, and a connector that keeps failing.

#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "domain/crypto.hpp"
#include "domain/time.hpp"
#include "tests/http/delivery_fixture.hpp"
#include "tests/support/media_fixtures.hpp"
#include "tests/support/test_support.hpp"
#include "tests/support/xsd.hpp"

namespace tunemantra::http {
namespace {


class delivery_api : public delivery_fixture {};

/// Writes an acknowledgement as a platform should: under a temp name, then renamed into place.
void write_ack(const fs::path& dir, const std::string& message_id, const std::string& status, const std::string& text) {
  const auto temp = dir / ("ACK_" + message_id + ".xml.part");
  std::ofstream(temp) << "<?xml version=\"1.0\"?>\n<Acknowledgement><AcknowledgedMessageId>" << message_id
                      << "</AcknowledgedMessageId><Status>" << status << "</Status><ErrorText>" << text
                      << "</ErrorText></Acknowledgement>\n";
  fs::rename(temp, dir / ("ACK_" + message_id + ".xml"));
}

TEST_P(delivery_api, a_distribution_writes_valid_ern_batches_and_acknowledgements_come_back) {
  const auto spotify = folder_platform("spotify");
  const auto tidal = folder_platform("tidal");
  const auto release = ready_release(alice_, 2);
  auto r = post(alice_, "/api/releases/" + std::to_string(release) + "/distributions", {{"platformIds", {spotify, tidal}}});
  ASSERT_EQ(r->status, 202) << r->body;
  const auto job = body_of(r)["data"]["id"].get<std::int64_t>();
  EXPECT_EQ(r->get_header_value("Location"), "/api/jobs/" + std::to_string(job));
  EXPECT_EQ(body_of(r)["data"]["kind"], "distribution");
  const auto done = wait_terminal(alice_, job);
  ASSERT_EQ(done["status"], "succeeded") << done.dump();
  EXPECT_EQ(done["progress"]["total"], 2);
  EXPECT_EQ(done["progress"]["done"], 2);
  EXPECT_EQ(body_of(as(alice_).Get("/api/releases/" + std::to_string(release)))["data"]["status"], "distributed");

  const auto rel = body_of(as(alice_).Get("/api/releases/" + std::to_string(release)))["data"];
  const auto tracks = body_of(as(alice_).Get("/api/releases/" + std::to_string(release) + "/tracks"))["data"];
  const auto upc = rel["upc"].get<std::string>();
  for (const auto& [platform, code] : {std::pair{spotify, "spotify"}, std::pair{tidal, "tidal"}}) {
    const auto d = delivery_on(alice_, release, platform);
    ASSERT_EQ(d["status"], "delivered") << d.dump();
    const auto batch = drop(code) / d["messageId"].get<std::string>();
    ASSERT_TRUE(fs::exists(batch / ("BatchComplete_" + d["messageId"].get<std::string>() + ".xml"))) << batch;
    const auto xml = test::read_bytes(batch / upc / (upc + ".xml"));
    EXPECT_EQ(test::xsd_errors(test::ern43_schema_path(), xml), "");
    if (platform == spotify)
      std::cout << "generated " << (batch / upc / (upc + ".xml")).filename().string() << ":\n" << xml.substr(0, 2500) << "\n";
    EXPECT_NE(xml.find("<ICPN>" + upc + "</ICPN>"), std::string::npos);
    EXPECT_NE(xml.find("<MessageId>" + d["messageId"].get<std::string>() + "</MessageId>"), std::string::npos);
    for (const auto& t : tracks) {
      EXPECT_NE(xml.find("<ISRC>" + t["isrc"].get<std::string>() + "</ISRC>"), std::string::npos);
      const auto file = batch / upc / "resources" / (upc + "_01_00" + std::to_string(t["position"].get<int>()) + ".wav");
      EXPECT_EQ(domain::crypto::sha256_hex(test::read_bytes(file)), t["audio"]["sha256"]) << file;
      EXPECT_NE(xml.find(t["audio"]["sha256"].get<std::string>()), std::string::npos);
    }
    EXPECT_EQ(domain::crypto::sha256_hex(test::read_bytes(batch / upc / "resources" / (upc + "_cover.jpg"))),
              rel["artwork"]["sha256"]);
    EXPECT_TRUE(fs::is_empty(drop(code)) == false);
    for (const auto& entry : fs::directory_iterator(drop(code)))
      EXPECT_NE(entry.path().filename().string()[0], '.') << "staging folder left behind";
  }

  // Acknowledgements arrive after the job ended.
  // A platform that writes its file in place may be read half-written: that file is read again
  // later, not thrown away.
  const auto spotify_message = delivery_on(alice_, release, spotify)["messageId"].get<std::string>();
  std::ofstream(ack("spotify") / ("ACK_" + spotify_message + ".xml")) << "<?xml version=\"1.0\"?>\n<Acknowledgement><Acknowl";
  std::this_thread::sleep_for(300ms); // several ack polls
  EXPECT_EQ(delivery_on(alice_, release, spotify)["status"], "delivered");
  EXPECT_TRUE(fs::exists(ack("spotify") / ("ACK_" + spotify_message + ".xml"))); // still there, not archived
  write_ack(ack("spotify"), spotify_message, "Accepted", "");
  write_ack(ack("tidal"), delivery_on(alice_, release, tidal)["messageId"], "Rejected", "Artwork has a watermark");
  wait_delivery(alice_, release, spotify, "acknowledged");
  const auto rejected = wait_delivery(alice_, release, tidal, "rejected");
  EXPECT_EQ(rejected["ackText"], "Artwork has a watermark");
  EXPECT_TRUE(fs::exists(ack("tidal") / "processed"));

  const auto events = body_of(as(alice_).Get("/api/jobs/" + std::to_string(job) + "/events?limit=100"))["data"];
  std::set<std::string> messages;
  for (const auto& e : events)
    if (e["type"] == "delivery")
      messages.insert(e["message"].get<std::string>().substr(0, 10));
  EXPECT_TRUE(messages.count("sending TM")) << events.dump();
  EXPECT_TRUE(messages.count("delivered ")) << events.dump();

  // A live release is not distributed twice to one platform; the rejected one may be redelivered.
  r = post(alice_, "/api/releases/" + std::to_string(release) + "/distributions", {{"platformIds", {spotify}}});
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(body_of(r)["error"]["code"], "INVALID_STATE");
}

TEST_P(delivery_api, bad_requests_are_refused_with_reasons) {
  const auto spotify = folder_platform("spotify");
  // Not ready: the validation issues come back.
  const auto artist = created(post(alice_, "/api/artists", {{"name", "Ada"}}));
  const auto draft = created(post(alice_, "/api/releases", {{"title", "Draft"}, {"artistId", artist}, {"type", "single"}, {"releaseDate", "2099-01-01"}}));
  auto r = post(alice_, "/api/releases/" + std::to_string(draft) + "/distributions", {{"platformIds", {spotify}}});
  ASSERT_EQ(r->status, 409) << r->body;
  std::set<std::string> codes;
  const auto refusal = body_of(r);
  for (const auto& issue : refusal["error"]["details"])
    codes.insert(issue["code"].get<std::string>());
  EXPECT_TRUE(codes.count("ARTWORK_MISSING") && codes.count("NO_TRACKS") && codes.count("GENRE_MISSING")) << r->body;

  EXPECT_EQ(post(alice_, "/api/releases/" + std::to_string(draft) + "/distributions", {{"platformIds", {999}}})->status, 400);
  EXPECT_EQ(post(alice_, "/api/releases/" + std::to_string(draft) + "/distributions", {{"platformIds", json::array()}})->status, 400);
  EXPECT_EQ(post(alice_, "/api/releases/" + std::to_string(draft) + "/distributions", {{"platformIds", {spotify}}, {"scheduledAt", "soon"}})->status, 400);
  EXPECT_EQ(post(bob_, "/api/releases/" + std::to_string(draft) + "/distributions", {{"platformIds", {spotify}}})->status, 404);
  EXPECT_EQ(post(alice_, "/api/releases/" + std::to_string(draft) + "/takedown", {{"platformIds", {spotify}}})->status, 409);
  // Platforms: admin only to write, secrets never shown, codes unique, connectors checked.
  EXPECT_EQ(post(alice_, "/api/platforms", {{"code", "x"}, {"name", "X"}, {"connector", {{"type", "http"}, {"url", "http://127.0.0.1:1/"}}}})->status, 403);
  r = post(admin_, "/api/platforms", {{"code", "web"}, {"name", "Web"}, {"connector", {{"type", "http"}, {"url", "https://p.example/ingest"}, {"authHeader", "Bearer s3cret"}}}});
  ASSERT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(r->body.find("s3cret"), std::string::npos);
  EXPECT_TRUE(body_of(r)["data"]["connector"]["hasAuthHeader"].get<bool>());
  EXPECT_EQ(as(alice_).Get("/api/platforms")->body.find("s3cret"), std::string::npos);
  EXPECT_EQ(post(admin_, "/api/platforms", {{"code", "web"}, {"name", "Again"}, {"connector", {{"type", "http"}, {"url", "https://p.example/"}}}})->status, 409);
  EXPECT_EQ(post(admin_, "/api/platforms", {{"code", "ftp"}, {"name", "F"}, {"connector", {{"type", "ftp"}}}})->status, 400);
  EXPECT_EQ(post(admin_, "/api/platforms", {{"code", "Bad Code"}, {"name", "F"}, {"connector", {{"type", "http"}, {"url", "https://x/"}}}})->status, 400);
  EXPECT_EQ(post(admin_, "/api/platforms", {{"code", "rel"}, {"name", "F"}, {"connector", {{"type", "ddex-folder"}, {"path", "relative"}, {"ackPath", "/tmp"}, {"recipientDpid", "X"}, {"recipientName", "Y"}}}})->status, 400);
}

TEST_P(delivery_api, a_paused_platform_holds_deliveries_and_cancel_stops_them) {
  const auto spotify = folder_platform("spotify");
  const auto tidal = folder_platform("tidal");
  auto c = as(admin_);
  ASSERT_EQ(c.Patch("/api/platforms/" + std::to_string(spotify), R"({"enabled":false})", "application/json")->status, 200);
  const auto release = ready_release(alice_, 1);
  const auto job = created(post(alice_, "/api/releases/" + std::to_string(release) + "/distributions", {{"platformIds", {spotify, tidal}}}));
  wait_delivery(alice_, release, tidal, "delivered");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(delivery_on(alice_, release, spotify)["status"], "pending"); // held while paused
  EXPECT_EQ(body_of(as(alice_).Get("/api/jobs/" + std::to_string(job)))["data"]["status"], "running");
  ASSERT_EQ(c.Patch("/api/platforms/" + std::to_string(spotify), R"({"enabled":true})", "application/json")->status, 200);
  EXPECT_EQ(wait_terminal(alice_, job)["status"], "succeeded");
  EXPECT_EQ(delivery_on(alice_, release, spotify)["status"], "delivered");

  // Cancel the whole job while its platform is paused: nothing is written.
  ASSERT_EQ(c.Patch("/api/platforms/" + std::to_string(spotify), R"({"enabled":false})", "application/json")->status, 200);
  const auto second = ready_release(alice_, 1);
  const auto held = created(post(alice_, "/api/releases/" + std::to_string(second) + "/distributions", {{"platformIds", {spotify}}}));
  wait_job(alice_, held, [](const json& j) { return j["status"] == "running"; });
  auto r = as(alice_).Post("/api/jobs/" + std::to_string(held) + "/cancel", "", "application/json");
  ASSERT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(delivery_on(alice_, second, spotify)["status"], "cancelled");
  const auto before = std::distance(fs::directory_iterator(drop("spotify")), fs::directory_iterator());
  ASSERT_EQ(c.Patch("/api/platforms/" + std::to_string(spotify), R"({"enabled":true})", "application/json")->status, 200);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(std::distance(fs::directory_iterator(drop("spotify")), fs::directory_iterator()), before);

  // Cancel one delivery: the other goes on.
  ASSERT_EQ(c.Patch("/api/platforms/" + std::to_string(spotify), R"({"enabled":false})", "application/json")->status, 200);
  const auto third = ready_release(alice_, 1);
  const auto both = created(post(alice_, "/api/releases/" + std::to_string(third) + "/distributions", {{"platformIds", {spotify, tidal}}}));
  wait_delivery(alice_, third, tidal, "delivered");
  const auto pending = delivery_on(alice_, third, spotify);
  r = as(alice_).Post("/api/deliveries/" + std::to_string(pending["deliveryId"].get<long long>()) + "/cancel", "", "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(body_of(r)["data"]["status"], "cancelled");
  EXPECT_EQ(wait_terminal(alice_, both)["status"], "succeeded");
  r = as(alice_).Post("/api/deliveries/" + std::to_string(pending["deliveryId"].get<long long>()) + "/cancel", "", "application/json");
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(as(bob_).Post("/api/deliveries/" + std::to_string(pending["deliveryId"].get<long long>()) + "/cancel", "", "application/json")->status, 404);
}

TEST_P(delivery_api, a_scheduled_distribution_waits_survives_a_restart_and_fires) {
  const auto spotify = folder_platform("spotify");
  const auto release = ready_release(alice_, 1);
  const auto at = domain::format_rfc3339(domain::now_millis() + 2500);
  auto r = post(alice_, "/api/releases/" + std::to_string(release) + "/distributions", {{"platformIds", {spotify}}, {"scheduledAt", at}});
  ASSERT_EQ(r->status, 202) << r->body;
  const auto job = body_of(r)["data"]["id"].get<std::int64_t>();
  EXPECT_EQ(body_of(r)["data"]["status"], "scheduled");
  EXPECT_EQ(delivery_on(alice_, release, spotify)["status"], "scheduled");
  live_.reset(); // the daemon stops before the time ...
  start();       // ... and a new one fires the job on time
  const auto done = wait_terminal(alice_, job);
  EXPECT_EQ(done["status"], "succeeded");
  EXPECT_GE(domain::parse_rfc3339(done["startedAt"].get<std::string>()).value_or(0), domain::parse_rfc3339(at).value_or(0));
  EXPECT_EQ(delivery_on(alice_, release, spotify)["status"], "delivered");
}

TEST_P(delivery_api, redelivery_updates_and_takedown_ends_the_deals) {
  const auto spotify = folder_platform("spotify");
  const auto release = ready_release(alice_, 1);
  const auto rel = std::to_string(release);
  const auto first = created(post(alice_, "/api/releases/" + rel + "/distributions", {{"platformIds", {spotify}}}));
  ASSERT_EQ(wait_terminal(alice_, first)["status"], "succeeded");
  const auto initial = delivery_on(alice_, release, spotify);

  ASSERT_EQ(as(alice_).Patch("/api/releases/" + rel, json{{"title", "First Light (Deluxe)"}}.dump(), "application/json")->status, 200);
  auto r = post(alice_, "/api/releases/" + rel + "/redeliver", {{"platformIds", {spotify}}});
  ASSERT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(body_of(r)["data"]["kind"], "redelivery");
  ASSERT_EQ(wait_terminal(alice_, body_of(r)["data"]["id"].get<std::int64_t>())["status"], "succeeded");
  const auto update = delivery_on(alice_, release, spotify);
  EXPECT_EQ(update["action"], "update");
  EXPECT_NE(update["messageId"], initial["messageId"]);
  const auto upc = body_of(as(alice_).Get("/api/releases/" + rel))["data"]["upc"].get<std::string>();
  auto xml = test::read_bytes(drop("spotify") / update["messageId"].get<std::string>() / upc / (upc + ".xml"));
  EXPECT_EQ(test::xsd_errors(test::ern43_schema_path(), xml), "");
  EXPECT_NE(xml.find("First Light (Deluxe)"), std::string::npos);
  EXPECT_EQ(xml.find("<EndDate>"), std::string::npos);

  r = post(alice_, "/api/releases/" + rel + "/takedown", {{"platformIds", {spotify}}});
  ASSERT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(body_of(r)["data"]["kind"], "takedown");
  ASSERT_EQ(wait_terminal(alice_, body_of(r)["data"]["id"].get<std::int64_t>())["status"], "succeeded");
  const auto down = delivery_on(alice_, release, spotify);
  EXPECT_EQ(down["status"], "taken_down");
  EXPECT_EQ(body_of(as(alice_).Get("/api/releases/" + rel))["data"]["status"], "taken_down");
  xml = test::read_bytes(drop("spotify") / down["messageId"].get<std::string>() / upc / (upc + ".xml"));
  EXPECT_EQ(test::xsd_errors(test::ern43_schema_path(), xml), "");
  EXPECT_NE(xml.find("<EndDate>"), std::string::npos);
  // Taken down: a second takedown has nothing to take down.
  EXPECT_EQ(post(alice_, "/api/releases/" + rel + "/takedown", {{"platformIds", {spotify}}})->status, 409);
}

TEST_P(delivery_api, a_platform_that_keeps_failing_fails_the_delivery_after_its_attempts) {
  const auto dead = created(post(admin_, "/api/platforms",
                                 {{"code", "dead"}, {"name", "Dead"}, {"maxAttempts", 3},
                                  {"connector", {{"type", "http"}, {"url", "http://127.0.0.1:" + std::to_string(test::free_port()) + "/ingest"}, {"timeoutMs", 500}}}}));
  const auto release = ready_release(alice_, 1);
  const auto job = created(post(alice_, "/api/releases/" + std::to_string(release) + "/distributions", {{"platformIds", {dead}}}));
  const auto done = wait_terminal(alice_, job);
  EXPECT_EQ(done["status"], "failed");
  EXPECT_EQ(done["error"], "every delivery failed");
  const auto d = delivery_on(alice_, release, dead);
  EXPECT_EQ(d["status"], "failed");
  EXPECT_EQ(d["attempts"], 3);
  EXPECT_NE(d["lastError"].get<std::string>().find("POST http://127.0.0.1"), std::string::npos) << d.dump();
  EXPECT_EQ(body_of(as(alice_).Get("/api/releases/" + std::to_string(release)))["data"]["status"], "draft");
}

INSTANTIATE_TEST_SUITE_P(backends, delivery_api, test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra::http
