// The sftp connector against a real OpenSSH server (sshd -D on 127.0.0.1, internal-sftp, key
// authentication) on SQLite and PostgreSQL: releases arrive as complete DDEX batches with the
// right names, sizes and SHA-256s; the host key is pinned and a wrong pin or user key fails the
// delivery for good; acknowledgements are read back over SFTP; connections killed mid-upload
// end in exactly one complete batch per delivery.

#include <atomic>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "domain/crypto.hpp"
#include "tests/http/delivery_fixture.hpp"
#include "tests/support/sshd.hpp"
#include "tests/support/xsd.hpp"

namespace tunemantra::http {
namespace {

/// Kills every SSH session whenever a file is being uploaded (its hidden .part name on the server
/// is growing), up to `limit` times, until stopped.
class upload_killer {
public:
  upload_killer(test::sshd_server& sshd, fs::path inbox, int limit)
      : thread_([this, &sshd, inbox = std::move(inbox), limit] {
          std::map<std::string, std::uintmax_t> seen;
          while (!stop_ && kills_ < limit) {
            std::error_code ec;
            bool growing = false;
            for (auto it = fs::recursive_directory_iterator(inbox, ec); !ec && it != fs::recursive_directory_iterator();
                 it.increment(ec)) {
              const auto path = it->path().string();
              if (!path.ends_with(".part"))
                continue;
              const auto size = fs::file_size(it->path(), ec);
              if (ec)
                continue;
              auto [at, fresh] = seen.try_emplace(path, size);
              growing = growing || (!fresh && size > at->second);
              at->second = size;
            }
            if (growing && sshd.kill_sessions() > 0) {
              ++kills_;
              seen.clear();
            }
            std::this_thread::sleep_for(std::chrono::microseconds(300));
          }
        }) {}
  ~upload_killer() { stop(); }
  /// Stops killing; returns how many times it killed.
  int stop() {
    stop_ = true;
    if (thread_.joinable())
      thread_.join();
    return kills_;
  }

private:
  std::atomic<bool> stop_{false};
  std::atomic<int> kills_{0};
  std::thread thread_;
};

class sftp_delivery : public delivery_fixture {
protected:
  json connector(const std::string& manifest = "ern-c-sftp/16") {
    auto settings = sshd_.connector(inbox());
    settings["ackPath"] = acks().string();
    settings["manifest"] = manifest;
    settings["timeoutMs"] = 10000;
    return settings;
  }
  std::int64_t sftp_platform(const std::string& code, const json& settings, int max_attempts = 5) {
    return created(
        post(admin_, "/api/platforms",
             {{"code", code}, {"name", "DSP " + code}, {"maxAttempts", max_attempts}, {"connector", settings}}));
  }
  fs::path inbox() const { return sshd_.root() / "inbox"; }
  fs::path acks() const { return sshd_.root() / "acks"; }

  /// Every file of the delivery's batch is there, complete, and nothing else is.
  void expect_complete_batch(const json& d, std::int64_t release, const std::string& manifest_version) {
    const auto rel = body_of(as(alice_).Get("/api/releases/" + std::to_string(release)))["data"];
    const auto tracks = body_of(as(alice_).Get("/api/releases/" + std::to_string(release) + "/tracks"))["data"];
    const auto upc = rel["upc"].get<std::string>();
    const auto batch_id = d["batchId"].get<std::string>();
    const auto batch = inbox() / ("N_" + batch_id);
    std::set<std::string> expected{"BatchComplete_" + batch_id + ".xml", upc + "/" + upc + ".xml",
                                   upc + "/resources/" + upc + "_cover.jpg"};
    for (const auto& t : tracks) {
      char name[64];
      std::snprintf(name, sizeof name, "_01_%03d.wav", t["position"].get<int>());
      const auto file = upc + "/resources/" + upc + name;
      expected.insert(file);
      EXPECT_EQ(domain::crypto::sha256_hex(test::read_bytes(batch / file)), t["audio"]["sha256"]) << file;
      EXPECT_EQ(static_cast<std::int64_t>(fs::file_size(batch / file)), t["audio"]["bytes"].get<std::int64_t>())
          << file;
    }
    EXPECT_EQ(domain::crypto::sha256_hex(test::read_bytes(batch / (upc + "/resources/" + upc + "_cover.jpg"))),
              rel["artwork"]["sha256"]);
    std::set<std::string> found;
    for (const auto& entry : fs::recursive_directory_iterator(batch))
      if (entry.is_regular_file())
        found.insert(fs::relative(entry.path(), batch).string());
    EXPECT_EQ(found, expected);
    const auto ern = test::read_bytes(batch / upc / (upc + ".xml"));
    EXPECT_EQ(test::xsd_errors(test::ern43_schema_path(), ern), "");
    const auto manifest = test::read_bytes(batch / ("BatchComplete_" + batch_id + ".xml"));
    EXPECT_EQ(test::xmllint_errors(test::choreography_schema_path(manifest_version), manifest), "") << manifest;
    EXPECT_NE(manifest.find(domain::crypto::sha256_hex(ern)), std::string::npos)
        << "the manifest's HashSum is the message's";
  }

  /// The release's folder in its batch is whole: its tracks and cover, its ERN valid.
  void expect_release_in_batch(const json& d, std::int64_t release) {
    const auto rel = body_of(as(alice_).Get("/api/releases/" + std::to_string(release)))["data"];
    const auto tracks = body_of(as(alice_).Get("/api/releases/" + std::to_string(release) + "/tracks"))["data"];
    const auto upc = rel["upc"].get<std::string>();
    const auto folder = inbox() / ("N_" + d["batchId"].get<std::string>()) / upc;
    std::set<std::string> expected{upc + ".xml", "resources/" + upc + "_cover.jpg"}, found;
    for (const auto& t : tracks) {
      char name[64];
      std::snprintf(name, sizeof name, "_01_%03d.wav", t["position"].get<int>());
      expected.insert("resources/" + upc + name);
      EXPECT_EQ(domain::crypto::sha256_hex(test::read_bytes(folder / "resources" / (upc + name))),
                t["audio"]["sha256"]);
    }
    for (const auto& entry : fs::recursive_directory_iterator(folder))
      if (entry.is_regular_file())
        found.insert(fs::relative(entry.path(), folder).string());
    EXPECT_EQ(found, expected) << folder;
    EXPECT_EQ(test::xsd_errors(test::ern43_schema_path(), test::read_bytes(folder / (upc + ".xml"))), "");
  }

  test::sshd_server sshd_;
};

TEST_P(sftp_delivery, a_single_and_an_album_arrive_as_complete_batches) {
  const auto v16 = sftp_platform("dsp16", connector("ern-c-sftp/16"));
  const auto v17 = sftp_platform("dsp17", connector("ern-c-sftp/17"));
  const auto single = ready_release(alice_, 1);
  const auto album = ready_release(alice_, 4);
  for (const auto release : {single, album}) {
    const auto job = created(
        post(alice_, "/api/releases/" + std::to_string(release) + "/distributions", {{"platformIds", {v16, v17}}}));
    const auto done = wait_terminal(alice_, job);
    ASSERT_EQ(done["status"], "succeeded") << done.dump();
    expect_complete_batch(delivery_on(alice_, release, v16), release, "ern-c-sftp/16");
    expect_complete_batch(delivery_on(alice_, release, v17), release, "ern-c-sftp/17");
  }
  std::set<std::string> batches;
  for (const auto& entry : fs::directory_iterator(inbox()))
    batches.insert(entry.path().filename().string());
  EXPECT_EQ(batches.size(), 4u); // one per delivery, no staging left behind
  for (const auto& b : batches)
    EXPECT_TRUE(b.starts_with("N_")) << b;
  // The platform's view never shows the key's path as a secret, and never a password.
  const auto shown = body_of(as(admin_).Get("/api/platforms/" + std::to_string(v16)))["data"]["connector"];
  EXPECT_EQ(shown["hostKeySha256"], sshd_.host_key_sha256());
  EXPECT_FALSE(shown["hasPassword"].get<bool>());
}

TEST_P(sftp_delivery, a_wrong_host_key_or_user_key_fails_at_once_and_sends_nothing) {
  auto wrong_host = connector();
  wrong_host["hostKeySha256"] = sshd_.other_host_key_sha256();
  const auto impostor = sftp_platform("impostor", wrong_host);
  auto wrong_user = connector();
  wrong_user["privateKeyFile"] = sshd_.stranger_key().string();
  const auto stranger = sftp_platform("stranger", wrong_user);
  const auto release = ready_release(alice_, 1);
  const auto job = created(post(alice_, "/api/releases/" + std::to_string(release) + "/distributions",
                                {{"platformIds", {impostor, stranger}}}));
  EXPECT_EQ(wait_terminal(alice_, job)["status"], "failed");
  const auto pinned = delivery_on(alice_, release, impostor);
  EXPECT_EQ(pinned["status"], "failed");
  EXPECT_EQ(pinned["attempts"], 1) << "a changed host key is permanent: not retried";
  EXPECT_NE(pinned["lastError"].get<std::string>().find("host key"), std::string::npos) << pinned.dump();
  EXPECT_NE(pinned["lastError"].get<std::string>().find(sshd_.host_key_sha256()), std::string::npos) << pinned.dump();
  const auto refused = delivery_on(alice_, release, stranger);
  EXPECT_EQ(refused["status"], "failed");
  EXPECT_EQ(refused["attempts"], 1);
  EXPECT_NE(refused["lastError"].get<std::string>().find("refused"), std::string::npos) << refused.dump();
  EXPECT_FALSE(fs::exists(inbox()) && !fs::is_empty(inbox()));
}

TEST_P(sftp_delivery, acknowledgements_are_read_from_the_server_and_moved_aside) {
  const auto dsp = sftp_platform("dsp", connector());
  const auto release = ready_release(alice_, 2);
  const auto job =
      created(post(alice_, "/api/releases/" + std::to_string(release) + "/distributions", {{"platformIds", {dsp}}}));
  ASSERT_EQ(wait_terminal(alice_, job)["status"], "succeeded");
  const auto d = delivery_on(alice_, release, dsp);
  const auto upc =
      body_of(as(alice_).Get("/api/releases/" + std::to_string(release)))["data"]["upc"].get<std::string>();
  const auto isrc = body_of(as(alice_).Get("/api/releases/" + std::to_string(release) + "/tracks"))["data"][0]["isrc"]
                        .get<std::string>();
  const auto batch = d["batchId"].get<std::string>();
  fs::create_directories(acks());
  const auto file = acks() / ("ACK_" + batch + "_" + upc + ".xml");
  std::ofstream(file) << R"(<?xml version="1.0" encoding="UTF-8"?>
<ns2:FtpAcknowledgementMessage xmlns:ns2="http://ddex.net/xml/ern-c-sftp/16" MessageVersionId="ern-c-sftp/16">
  <MessageHeader>
    <MessageSender><PartyId>PADPIDA2011072101T</PartyId></MessageSender>
    <MessageRecipient><PartyId>PADPIDA2014120301X</PartyId></MessageRecipient>
    <MessageCreatedDateTime>2026-12-03T15:00:00Z</MessageCreatedDateTime>
  </MessageHeader>
  <AcknowledgedFile><ReleaseId>)"
                      << upc << "</ReleaseId><Date>" << batch.substr(0, 4) << "-" << batch.substr(4, 2) << "-"
                      << batch.substr(6, 2) << R"(</Date></AcknowledgedFile>
  <FileStatus>ResourceCorrupt</FileStatus>
  <ErrorText>audio ends early</ErrorText>
  <AffectedResource><ISRC>)"
                      << isrc << R"(</ISRC></AffectedResource>
</ns2:FtpAcknowledgementMessage>
)";
  ASSERT_EQ(test::xmllint_errors(test::choreography_schema_path("ern-c-sftp/16"), test::read_bytes(file)), "");
  const auto rejected = wait_delivery(alice_, release, dsp, "rejected");
  EXPECT_EQ(rejected["ackText"], "ResourceCorrupt: audio ends early (affected: " + isrc + ")");
  for (int i = 0; i < 100 && fs::exists(file); ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(fs::exists(file));
  EXPECT_TRUE(fs::exists(acks() / "processed" / file.filename()));
}

TEST_P(sftp_delivery, connections_killed_mid_upload_end_in_one_complete_batch_per_delivery) {
  const auto dsp = sftp_platform("dsp", connector(), 20);
  std::vector<std::int64_t> releases;
  for (int i = 0; i < 4; ++i)
    releases.push_back(ready_release(alice_, 2)); // 2 x 5.5 MB of audio each
  upload_killer killer(sshd_, inbox(), 6);
  std::vector<std::int64_t> jobs;
  for (const auto release : releases)
    jobs.push_back(
        created(post(alice_, "/api/releases/" + std::to_string(release) + "/distributions", {{"platformIds", {dsp}}})));
  for (const auto job : jobs)
    EXPECT_EQ(wait_terminal(alice_, job)["status"], "succeeded");
  const int kills = killer.stop();
  EXPECT_GE(kills, 1) << "no upload was caught in flight";
  std::set<std::string> batch_ids;
  int retried = 0;
  for (const auto release : releases) {
    const auto d = delivery_on(alice_, release, dsp);
    EXPECT_EQ(d["status"], "delivered");
    retried += d["attempts"].get<int>() > 1 ? 1 : 0;
    batch_ids.insert("N_" + d["batchId"].get<std::string>());
    expect_complete_batch(d, release, "ern-c-sftp/16");
  }
  std::set<std::string> on_server;
  for (const auto& entry : fs::directory_iterator(inbox()))
    on_server.insert(entry.path().filename().string());
  EXPECT_EQ(on_server, batch_ids) << "exactly one batch per delivery";
  EXPECT_GE(retried, 1) << "a killed upload is retried";
  std::cout << "sessions killed mid-upload: " << kills << ", deliveries retried: " << retried << "\n";
}

TEST_P(sftp_delivery, a_bulk_job_shares_batches_and_survives_killed_connections) {
  auto settings = connector("ern-c-sftp/17");
  settings["releasesPerBatch"] = 4;
  const auto dsp = sftp_platform("dsp", settings, 20);
  std::vector<std::int64_t> releases;
  for (int i = 0; i < 8; ++i)
    releases.push_back(ready_release(alice_, 1));
  upload_killer killer(sshd_, inbox(), 3);
  const auto job = created(post(alice_, "/api/bulk-distributions", {{"releaseIds", releases}, {"platformIds", {dsp}}}));
  const auto done = wait_terminal(alice_, job);
  const int kills = killer.stop();
  ASSERT_EQ(done["status"], "succeeded") << done.dump();
  std::map<std::string, int> members;
  for (const auto release : releases) {
    const auto d = delivery_on(alice_, release, dsp);
    ASSERT_EQ(d["status"], "delivered");
    ++members[d["batchId"].get<std::string>()];
    expect_release_in_batch(d, release);
  }
  std::set<std::string> on_server;
  for (const auto& entry : fs::directory_iterator(inbox()))
    on_server.insert(entry.path().filename().string());
  std::set<std::string> expected;
  for (const auto& [batch_id, count] : members) {
    expected.insert("N_" + batch_id);
    EXPECT_LE(count, 4);
    const auto manifest = test::read_bytes(inbox() / ("N_" + batch_id) / ("BatchComplete_" + batch_id + ".xml"));
    EXPECT_EQ(test::xmllint_errors(test::choreography_schema_path("ern-c-sftp/17"), manifest), "") << manifest;
    EXPECT_NE(manifest.find("<NumberOfMessages>" + std::to_string(count) + "</NumberOfMessages>"), std::string::npos);
  }
  EXPECT_EQ(on_server, expected) << "one batch per BatchId, nothing else";
  EXPECT_LT(members.size(), releases.size()) << "releases share batches";
  std::cout << "bulk over sftp: " << releases.size() << " releases in " << members.size() << " batches, " << kills
            << " kills mid-upload\n";
}

INSTANTIATE_TEST_SUITE_P(backends, sftp_delivery, test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra::http
