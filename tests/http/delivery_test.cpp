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

/// Writes a file as a platform should: under a temp name, then renamed into place.
void write_in_place(const fs::path& file, const std::string& text) {
  const auto temp = file.parent_path() / ("." + file.filename().string() + ".part");
  std::ofstream(temp) << text;
  fs::rename(temp, file);
}

/// The DDEX FtpAcknowledgementMessage (choreography 1.6) for the release `upc` in a batch of `date`.
std::string ftp_ack(const std::string& upc, const std::string& date, const std::string& status, const std::string& rest = "") {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<ern-c-sftp:FtpAcknowledgementMessage xmlns:ern-c-sftp="http://ddex.net/xml/ern-c-sftp/16" MessageVersionId="ern-c-sftp/16">
  <MessageHeader>
    <MessageSender><PartyId>PADPIDA2011072101T</PartyId></MessageSender>
    <MessageRecipient><PartyId>PADPIDA2014120301X</PartyId></MessageRecipient>
    <MessageCreatedDateTime>2026-12-03T15:00:00Z</MessageCreatedDateTime>
  </MessageHeader>
  <AcknowledgedFile><ReleaseId>)" + upc + "</ReleaseId><Date>" + date + R"(</Date></AcknowledgedFile>
  <FileStatus>)" + status + "</FileStatus>" + rest + R"(
</ern-c-sftp:FtpAcknowledgementMessage>
)";
}

/// The batch's date as an FtpAcknowledgementMessage names it: YYYY-MM-DD of its BatchId.
std::string batch_date(const std::string& batch_id) {
  return batch_id.substr(0, 4) + "-" + batch_id.substr(4, 2) + "-" + batch_id.substr(6, 2);
}

/// Writes an acknowledgement in TuneMantra's older layout, under a temp name, then renamed into place.
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
    const auto batch_id = d["batchId"].get<std::string>();
    ASSERT_EQ(batch_id.size(), 17u) << "BatchId is YYYYMMDDhhmmssnnn: " << batch_id;
    const auto batch = drop(code) / ("N_" + batch_id);
    const auto manifest = batch / ("BatchComplete_" + batch_id + ".xml");
    ASSERT_TRUE(fs::exists(manifest)) << manifest;
    const auto manifest_xml = test::read_bytes(manifest);
    EXPECT_EQ(test::xmllint_errors(test::choreography_schema_path("ern-c-sftp/16"), manifest_xml), "") << manifest_xml;
    EXPECT_NE(manifest_xml.find("<MessageId>" + d["messageId"].get<std::string>() + "</MessageId>"), std::string::npos);
    EXPECT_NE(manifest_xml.find("<URL>" + upc + "/" + upc + ".xml</URL>"), std::string::npos);
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
  // DDEX acknowledgements name the release and the batch's date, not our MessageId.
  const auto spotify_batch = delivery_on(alice_, release, spotify)["batchId"].get<std::string>();
  const auto half = ack("spotify") / ("ACK_" + spotify_batch + "_" + upc + ".xml");
  std::ofstream(half) << ftp_ack(upc, batch_date(spotify_batch), "FileOK").substr(0, 200);
  std::this_thread::sleep_for(300ms); // several ack polls
  EXPECT_EQ(delivery_on(alice_, release, spotify)["status"], "delivered");
  EXPECT_TRUE(fs::exists(half)); // still there, not archived
  write_in_place(half, ftp_ack(upc, batch_date(spotify_batch), "FileOK"));
  EXPECT_EQ(test::xmllint_errors(test::choreography_schema_path("ern-c-sftp/16"), test::read_bytes(half)), "");
  // The older layout, by MessageId, still works.
  write_ack(ack("tidal"), delivery_on(alice_, release, tidal)["messageId"], "Rejected", "Artwork has a watermark");
  const auto accepted = wait_delivery(alice_, release, spotify, "acknowledged");
  EXPECT_EQ(accepted["ackText"], "FileOK");
  const auto rejected = wait_delivery(alice_, release, tidal, "rejected");
  EXPECT_EQ(rejected["ackText"], "Rejected: Artwork has a watermark");
  // Files move aside just after their deliveries change: wait for both.
  for (int i = 0; i < 250 && !(fs::exists(ack("spotify") / "processed" / half.filename()) &&
                               fs::exists(ack("tidal") / "processed"));
       ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(fs::exists(ack("tidal") / "processed"));
  EXPECT_TRUE(fs::exists(ack("spotify") / "processed" / half.filename()));

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

TEST_P(delivery_api, ern_acknowledgement_status_messages_settle_each_release_they_name) {
  const auto spotify = folder_platform("spotify");
  const auto a = ready_release(alice_, 1);
  const auto b = ready_release(alice_, 2);
  const auto c = ready_release(alice_, 1);
  for (const auto release : {a, b, c}) {
    const auto job = created(post(alice_, "/api/releases/" + std::to_string(release) + "/distributions", {{"platformIds", {spotify}}}));
    ASSERT_EQ(wait_terminal(alice_, job)["status"], "succeeded");
  }
  auto upc_of = [&](std::int64_t release) {
    return body_of(as(alice_).Get("/api/releases/" + std::to_string(release)))["data"]["upc"].get<std::string>();
  };
  const auto tracks_b = body_of(as(alice_).Get("/api/releases/" + std::to_string(b) + "/tracks"))["data"];
  const auto isrc = tracks_b[1]["isrc"].get<std::string>();
  const auto da = delivery_on(alice_, a, spotify);
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ernc:ErnAcknowledgementStatusMessage xmlns:ernc="http://ddex.net/xml/ern-c-sftp/17">
  <MessageHeader>
    <MessageId>DSP-ACK-1</MessageId>
    <MessageSender><PartyId>PADPIDA2011072101T</PartyId></MessageSender>
    <MessageRecipient><PartyId>PADPIDA2014120301X</PartyId></MessageRecipient>
    <MessageCreatedDateTime>2026-12-03T15:00:00Z</MessageCreatedDateTime>
  </MessageHeader>
  <ReleaseStatus>
    <ReleaseId><ICPN>)" + upc_of(a) + R"(</ICPN></ReleaseId>
    <ReleaseStatus>SuccessfullyIngestedByReleaseDistributor</ReleaseStatus>
    <Acknowledgement><MessageType>NewReleaseMessage</MessageType><BatchId>)" + da["batchId"].get<std::string>()
                        + "</BatchId><MessageId>" + da["messageId"].get<std::string>() + R"(</MessageId>
      <MessageStatus><Status>FileOK</Status></MessageStatus></Acknowledgement>
  </ReleaseStatus>
  <ReleaseStatus>
    <ReleaseId><ICPN>)" + upc_of(b) + R"(</ICPN></ReleaseId>
    <ReleaseStatus>ProcessingErrorAtReleaseDistributor</ReleaseStatus>
    <ErrorText>track 2 clips</ErrorText>
    <AffectedResource><ISRC>)" + isrc + R"(</ISRC></AffectedResource>
  </ReleaseStatus>
  <ReleaseStatus>
    <ReleaseId><ICPN>0000000000017</ICPN></ReleaseId>
    <ReleaseStatus>SuccessfullyIngestedByReleaseDistributor</ReleaseStatus>
  </ReleaseStatus>
</ernc:ErnAcknowledgementStatusMessage>
)";
  ASSERT_EQ(test::xmllint_errors(test::choreography_schema_path("ern-c-sftp/17"), xml), "") << xml;
  write_in_place(ack("spotify") / "ACK_DSP-ACK-1.xml", xml);
  // A status this reader does not know is a rejection with the platform's value, never a success.
  write_in_place(ack("spotify") / "ACK_c.xml", ftp_ack(upc_of(c), "", "UserDefined").replace(
                                                 ftp_ack(upc_of(c), "", "UserDefined").find("<FileStatus>"), 12,
                                                 "<FileStatus UserDefinedValue=\"QueuedForReview\">"));
  EXPECT_EQ(wait_delivery(alice_, a, spotify, "acknowledged")["ackText"], "SuccessfullyIngestedByReleaseDistributor");
  const auto refused = wait_delivery(alice_, b, spotify, "rejected");
  EXPECT_EQ(refused["ackText"], "ProcessingErrorAtReleaseDistributor: track 2 clips (affected: " + isrc + ")");
  EXPECT_EQ(wait_delivery(alice_, c, spotify, "rejected")["ackText"], "QueuedForReview");
  // The file moves aside once all its parts are applied (just after the deliveries change).
  for (int i = 0; i < 100 && !fs::exists(ack("spotify") / "processed" / "ACK_DSP-ACK-1.xml"); ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(fs::exists(ack("spotify") / "processed" / "ACK_DSP-ACK-1.xml"));
  const auto events = body_of(as(alice_).Get("/api/jobs/" + std::to_string(da["jobId"].get<std::int64_t>()) + "/events?limit=100"))["data"];
  EXPECT_NE(events.dump().find("acknowledged " + da["messageId"].get<std::string>()), std::string::npos) << events.dump();
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

  // Each connector type checks its own settings and names the field it refuses.
  auto field_of = [](const httplib::Result& res) { return json::parse(res->body)["error"]["details"][0]["field"]; };
  r = post(admin_, "/api/platforms", {{"code", "ftp"}, {"name", "F"}, {"connector", {{"type", "ftp"}}}});
  EXPECT_EQ(field_of(r), "connector.type") << r->body;
  EXPECT_NE(r->body.find("ddex-folder, sftp, http"), std::string::npos) << r->body;
  const json sftp = {{"type", "sftp"}, {"host", "127.0.0.1"}, {"username", "tm"}, {"password", "pa55word"},
                     {"hostKeySha256", "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"}, {"path", "/inbox"},
                     {"recipientDpid", "PADPIDA2011072101T"}, {"recipientName", "DSP"}};
  for (const auto& [key, bad] : std::vector<std::pair<std::string, json>>{
         {"hostKeySha256", "d4:1d:8c:d9"}, {"port", 70000}, {"path", "inbox"}, {"recipientDpid", "12345"},
         {"manifest", "ern-c-sftp/99"}, {"host", nullptr}}) {
    auto body = sftp;
    if (bad.is_null())
      body.erase(key);
    else
      body[key] = bad;
    r = post(admin_, "/api/platforms", {{"code", "s"}, {"name", "S"}, {"connector", body}});
    EXPECT_EQ(r->status, 400) << key;
    EXPECT_EQ(field_of(r), "connector." + key) << r->body;
  }
  r = post(admin_, "/api/platforms", {{"code", "dsp"}, {"name", "DSP"}, {"connector", sftp}});
  ASSERT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(r->body.find("pa55word"), std::string::npos);
  const auto shown = body_of(r)["data"]["connector"];
  EXPECT_TRUE(shown["hasPassword"].get<bool>());
  EXPECT_EQ(shown["port"], 22);
  EXPECT_EQ(shown["manifest"], "ern-c-sftp/16");
  EXPECT_EQ(as(admin_).Get("/api/platforms")->body.find("pa55word"), std::string::npos);
  const auto types = body_of(as(alice_).Get("/api/connector-types"))["data"];
  ASSERT_EQ(types.size(), 3u);
  EXPECT_EQ(types[1]["type"], "sftp");
  EXPECT_EQ(types[1]["settings"]["properties"]["password"]["writeOnly"], true);
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

TEST_P(delivery_api, a_scheduled_delivery_can_be_cancelled_before_it_fires) {
  const auto spotify = folder_platform("spotify");
  const auto tidal = folder_platform("tidal");
  const auto release = ready_release(alice_, 1);
  const auto at = domain::format_rfc3339(domain::now_millis() + 3'600'000);
  auto r = post(alice_, "/api/releases/" + std::to_string(release) + "/distributions",
                {{"platformIds", {spotify, tidal}}, {"scheduledAt", at}});
  ASSERT_EQ(r->status, 202) << r->body;
  const auto d = delivery_on(alice_, release, spotify);
  ASSERT_EQ(d["status"], "scheduled");
  r = as(alice_).Post("/api/deliveries/" + std::to_string(d["deliveryId"].get<long long>()) + "/cancel", "", "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(body_of(r)["data"]["status"], "cancelled");
  EXPECT_EQ(delivery_on(alice_, release, tidal)["status"], "scheduled"); // the other one still waits
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
  EXPECT_NE(update["batchId"], initial["batchId"]); // a new message goes in a new batch
  auto xml = test::read_bytes(drop("spotify") / ("N_" + update["batchId"].get<std::string>()) / upc / (upc + ".xml"));
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
  xml = test::read_bytes(drop("spotify") / ("N_" + down["batchId"].get<std::string>()) / upc / (upc + ".xml"));
  const auto manifest = test::read_bytes(drop("spotify") / ("N_" + down["batchId"].get<std::string>())
                                         / ("BatchComplete_" + down["batchId"].get<std::string>() + ".xml"));
  EXPECT_NE(manifest.find("<DeliveryType>TakeDown</DeliveryType>"), std::string::npos);
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
