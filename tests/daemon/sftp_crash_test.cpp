// Crash safety of SFTP deliveries with the real tunemantrad and a real OpenSSH server: 16
// releases (a 5.5 MB WAV and a 3000x3000 cover each) to one sftp platform, the daemon SIGKILLed
// at seeded random moments (many of them mid-upload), then left to finish. The platform must end
// with exactly one complete batch per delivery, every file whole (size and SHA-256), every
// delivery `delivered`, and no temporary file left in any batch. Runs on SQLite and PostgreSQL.

#include <csignal>
#include <set>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "domain/crypto.hpp"
#include "persistence/store.hpp"
#include "tests/support/delivery_seed.hpp"
#include "tests/support/media_fixtures.hpp"
#include "tests/support/sshd.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class sftp_crash : public ::testing::TestWithParam<persistence::backend_kind> {
protected:
  std::map<std::string, std::string> env() const {
    return {{"TUNEMANTRA_DATABASE_URL", db_.url()},
            {"TUNEMANTRA_HTTP_PORT", "0"},
            {"TUNEMANTRA_MEDIA_DIR", (dir_.path() / "media").string()},
            {"TUNEMANTRA_JOBS_POLL_INTERVAL_MS", "50"},
            {"TUNEMANTRA_JOBS_RESTART_BACKOFF_MS", "20"},
            {"TUNEMANTRA_DELIVERY_RETRY_BACKOFF_MS", "20"},
            {"TUNEMANTRA_DELIVERY_SENDER_DPID", "PADPIDA2014120301X"}};
  }

  test::scratch_database db_{GetParam()};
  test::temp_dir dir_;
  test::sshd_server sshd_;
};

TEST_P(sftp_crash, sigkill_mid_upload_leaves_one_complete_batch_per_delivery) {
  const auto files = test::write_real_media(dir_.path() / "media");
  const auto& wav_sha = files.audio_sha256;
  const auto& jpeg_sha = files.artwork_sha256;

  auto store = persistence::open_store(test::database_config_for(db_.url()));
  store->migrate();
  const auto account = test::seed_account(*store);
  auto p = test::http_platform("dsp", "http://unused/");
  p.max_concurrency = 2;
  p.rate_per_minute = 60'000;
  p.max_attempts = 50;
  const auto inbox = sshd_.root() / "inbox";
  p.connector = domain::connector_from_stored(sshd_.connector(inbox).dump());
  const auto platform = store->delivery().create_platform(p)->id;
  std::vector<std::int64_t> releases;
  for (int r = 0; r < 16; ++r)
    releases.push_back(test::seed_ready_release(*store, account, "Release " + std::to_string(r), files));
  const auto jobs = test::seed_distributions(*store, account, releases, {platform});

  // Kills at seeded moments; one counts as mid-upload when a temporary file was on the server.
  const unsigned seed_value = 20261203;
  int mid_upload = 0;
  const int kills = 8;
  test::kill_daemon_repeatedly(env(), kills, seed_value, 30, 400, [&] {
    std::error_code ec;
    bool partial = false;
    for (auto it = fs::recursive_directory_iterator(inbox, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      partial = partial || it->path().filename().string().ends_with(".part");
    mid_upload += partial ? 1 : 0;
  });

  std::vector<domain::delivery> all;
  {
    test::process survivor{TM_DAEMON_PATH, {}, env()};
    ASSERT_TRUE(survivor.wait_for_log("daemon started", 30s)) << survivor.err();
    for (int i = 0; i < 1200; ++i) {
      all.clear();
      bool settled = true;
      for (const auto job : jobs)
        for (const auto& d : store->delivery().deliveries_of_job(job)) {
          settled = settled && domain::is_settled(d.status);
          all.push_back(d);
        }
      if (settled)
        break;
      std::this_thread::sleep_for(50ms);
    }
    survivor.signal(SIGTERM);
    EXPECT_EQ(survivor.wait(20s), 0) << survivor.err();
  }

  ASSERT_EQ(all.size(), 16u);
  std::set<std::string> batches;
  int retried = 0;
  for (const auto& d : all) {
    EXPECT_EQ(d.status, domain::delivery_status::delivered) << d.message_id << " " << d.last_error;
    retried += d.attempts > 1 ? 1 : 0;
    batches.insert("N_" + d.batch_id);
    const auto rel = store->catalog().find_release(account.user_id, d.release_id);
    ASSERT_TRUE(rel);
    const auto batch = inbox / ("N_" + d.batch_id);
    const auto upc = rel->upc;
    std::set<std::string> found,
        expected{"BatchComplete_" + d.batch_id + ".xml", upc + "/" + upc + ".xml",
                 upc + "/resources/" + upc + "_01_001.wav", upc + "/resources/" + upc + "_cover.jpg"};
    for (const auto& e : fs::recursive_directory_iterator(batch))
      if (e.is_regular_file())
        found.insert(fs::relative(e.path(), batch).string());
    EXPECT_EQ(found, expected) << batch;
    EXPECT_EQ(domain::crypto::sha256_hex(test::read_bytes(batch / upc / "resources" / (upc + "_01_001.wav"))), wav_sha);
    EXPECT_EQ(domain::crypto::sha256_hex(test::read_bytes(batch / upc / "resources" / (upc + "_cover.jpg"))), jpeg_sha);
    const auto manifest = test::read_bytes(batch / ("BatchComplete_" + d.batch_id + ".xml"));
    EXPECT_NE(manifest.find("<MessageId>" + d.message_id + "</MessageId>"), std::string::npos);
  }
  std::set<std::string> on_server;
  for (const auto& e : fs::directory_iterator(inbox))
    on_server.insert(e.path().filename().string());
  EXPECT_EQ(on_server, batches) << "exactly one batch per delivery, no second and no staging";
  std::cout << "sftp crash test (" << (GetParam() == persistence::backend_kind::sqlite ? "sqlite" : "postgresql")
            << ", seed " << seed_value << "): " << kills << " SIGKILLs, " << mid_upload << " of them mid-upload, "
            << all.size() << " deliveries, " << retried << " sent more than once, " << batches.size()
            << " batches on the server, each complete\n";
}

INSTANTIATE_TEST_SUITE_P(backends, sftp_crash, test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra
