// The real tmctl binary against a real tunemantrad (SQLite) and a fake platform: outputs, exit
// codes (0 ok, 1 failure, 2 usage, 3 not found), settings from environment and config file.

#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/delivery_seed.hpp"
#include "tests/support/dsr_writer.hpp"
#include "tests/support/fake_platform.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::process;

struct run_result {
  int code = -1;
  std::string out, err;
};

class tmctl_cli : public ::testing::Test {
protected:
  void SetUp() override {
    {
      auto store = persistence::open_store(test::database_config_for(db_url_));
      store->migrate();
      const auto account = test::seed_account(*store); // user "label"
      for (int i = 1; i <= 3; ++i)
        releases_.push_back(test::seed_ready_release(*store, account, "Release " + std::to_string(i)));
    }
    daemon_env_ = {{"TUNEMANTRA_DATABASE_URL", db_url_}, {"TUNEMANTRA_HTTP_PORT", std::to_string(port_)},
                   {"TUNEMANTRA_AUTH_SCRYPT_LOG_N", "14"}, {"TUNEMANTRA_MEDIA_DIR", (dir_.path() / "media").string()}};
    daemon_ = std::make_unique<process>(TM_DAEMON_PATH, std::vector<std::string>{}, daemon_env_);
    ASSERT_TRUE(daemon_->wait_for_log("daemon started", 20s)) << daemon_->err();

    std::ofstream(dir_.path() / "pw") << "a long enough password\n";
    ASSERT_EQ(offline({"user", "create", "--admin", "--username", "ops", "--email", "ops@example.com", "--password-file",
                       (dir_.path() / "pw").string()})
                .code,
              0);
    admin_key_ = key_for("ops", "admin");
    label_key_ = key_for("label", "catalog:read,catalog:write,distribution:read,distribution:write,keys:write");
  }

  run_result offline(const std::vector<std::string>& args) { return run(args, daemon_env_); }

  std::string key_for(const std::string& user, const std::string& scopes) {
    const auto r = offline({"keys", "create", "--user", user, "--scopes", scopes, "--output", "json"});
    EXPECT_EQ(r.code, 0) << r.err;
    return json::parse(r.out)["key"].get<std::string>();
  }

  /// tmctl against the daemon with `key` (none when empty); HOME is a fresh folder, so no user config.
  run_result ctl(const std::vector<std::string>& args, const std::string& key, std::map<std::string, std::string> env = {}) {
    env.emplace("TMCTL_URL", "http://127.0.0.1:" + std::to_string(port_));
    if (!key.empty())
      env.emplace("TMCTL_API_KEY", key);
    env.emplace("HOME", (dir_.path() / "home").string());
    return run(args, env);
  }

  run_result run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
    process p{TM_TMCTL_PATH, args, env};
    run_result r;
    r.code = p.wait(60s).value_or(-1);
    r.out = p.out();
    r.err = p.err();
    return r;
  }

  test::temp_dir dir_;
  std::string db_url_ = "sqlite://" + (dir_.path() / "tm.db").string();
  int port_ = test::free_port();
  std::map<std::string, std::string> daemon_env_;
  std::unique_ptr<process> daemon_;
  std::vector<std::int64_t> releases_;
  std::string admin_key_, label_key_;
};

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

TEST_F(tmctl_cli, cluster_shows_this_node_live_and_leading_and_is_for_admins_only) {
  json c;
  for (int i = 0; i < 50; ++i) { // the first heartbeat takes the leader lease
    const auto r = ctl({"cluster", "--output", "json"}, admin_key_);
    ASSERT_EQ(r.code, 0) << r.err;
    c = json::parse(r.out);
    if (c["leader"].is_object())
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(c["nodes"].size(), 1u) << c.dump();
  EXPECT_EQ(c["nodes"][0]["id"], c["node"]);
  EXPECT_EQ(c["nodes"][0]["state"], "live");
  EXPECT_EQ(c["nodes"][0]["leader"], true);
  ASSERT_TRUE(c["leader"].is_object()) << c.dump();
  EXPECT_EQ(c["leader"]["node"], c["node"]);
  EXPECT_EQ(c["load"]["jobsToRun"], 0);
  const auto r = ctl({"cluster"}, admin_key_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "leader")) << r.out;
  EXPECT_TRUE(has(r.out, "live")) << r.out;
  EXPECT_NE(ctl({"cluster"}, label_key_).code, 0); // admins only
}

TEST_F(tmctl_cli, status_platforms_and_a_bulk_submit_followed_to_the_end) {
  auto r = ctl({"status"}, admin_key_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "tunemantrad " TM_VERSION)) << r.out;
  EXPECT_TRUE(has(r.out, "sqlite, schema")) << r.out;
  r = ctl({"status", "--output", "json"}, admin_key_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["version"], TM_VERSION);

  test::fake_platform fake;
  r = ctl({"platforms", "add", "--code", "fake", "--name", "Fake Music", "--type", "http", "--url", fake.url(),
           "--max-concurrency", "4", "--rate-per-minute", "6000"},
          admin_key_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "added platform")) << r.out;
  r = ctl({"platforms", "pause", "fake"}, admin_key_);
  EXPECT_EQ(r.code, 0) << r.err;
  r = ctl({"platforms", "list"}, label_key_);
  EXPECT_TRUE(has(r.out, "fake") && has(r.out, "paused")) << r.out;
  EXPECT_EQ(ctl({"platforms", "resume", "fake"}, admin_key_).code, 0);
  EXPECT_EQ(ctl({"platforms", "pause", "nosuch"}, admin_key_).code, 3);
  EXPECT_EQ(ctl({"platforms", "add", "--code", "x", "--name", "X", "--type", "http", "--url", fake.url()}, label_key_).code,
            1); // not an admin

  // Connector types come from the daemon; any type's settings go through --setting, secrets from files.
  r = ctl({"platforms", "types"}, label_key_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "sftp") && has(r.out, "hostKeySha256") && has(r.out, "ddex-folder")) << r.out;
  const auto secret = dir_.path() / "password";
  std::ofstream(secret) << "pa55 word\n";
  r = ctl({"platforms", "add", "--code", "dsp", "--name", "DSP", "--type", "sftp", "--setting", "host=sftp.dsp.example",
           "--setting", "port=2222", "--setting", "username=tm", "--setting-file", "password=" + secret.string(),
           "--setting", "hostKeySha256=SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", "--path", "/inbox",
           "--recipient-dpid", "PADPIDA2011072101T", "--recipient-name", "DSP", "--output", "json"},
          admin_key_);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto added = json::parse(r.out)["connector"];
  EXPECT_EQ(added["port"], 2222);
  EXPECT_TRUE(added["hasPassword"].get<bool>());
  EXPECT_FALSE(has(r.out, "pa55")) << r.out;
  r = ctl({"platforms", "add", "--code", "dsp2", "--name", "DSP", "--type", "sftp", "--setting", "host=x"}, admin_key_);
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(has(r.err, "connector.username")) << r.err;

  r = ctl({"releases", "validate", std::to_string(releases_[0])}, label_key_);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "is ready")) << r.out;

  // A bulk job: every line a release id, comments and blank lines skipped; followed to the end.
  const auto ids = (dir_.path() / "ids.txt").string();
  std::ofstream(ids) << "# tonight's batch\n" << releases_[0] << "\n\n" << releases_[1] << ", " << releases_[2] << "\n";
  r = ctl({"bulk", "submit", "--file", ids, "--platforms", "fake"}, label_key_);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "succeeded: 3/3")) << r.out;
  EXPECT_TRUE(has(r.out, "3 sent")) << r.out;
  EXPECT_FALSE(has(r.err, "[#")) << "no progress bar off a terminal: " << r.err;
  r = ctl({"jobs", "list", "--kind", "bulk_distribution"}, label_key_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "bulk_distribution") && has(r.out, "succeeded") && has(r.out, "3/3")) << r.out;
  r = ctl({"jobs", "list", "--output", "json"}, label_key_);
  const auto job_id = json::parse(r.out)["data"][0]["id"].get<long long>();
  r = ctl({"jobs", "show", std::to_string(job_id), "-o", "json"}, label_key_);
  EXPECT_EQ(json::parse(r.out)["status"], "succeeded");
  r = ctl({"jobs", "events", std::to_string(job_id)}, label_key_);
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(has(r.out, "status")) << r.out;
  r = ctl({"jobs", "watch", std::to_string(job_id)}, label_key_);
  EXPECT_EQ(r.code, 0) << r.err;
  r = ctl({"jobs", "cancel", std::to_string(job_id)}, label_key_);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(has(r.err, "INVALID_STATE")) << r.err;
  r = ctl({"releases", "show", std::to_string(releases_[0])}, label_key_);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "delivered")) << r.out;

  // Delivered releases are refused per item: the job ends partially failed (exit 1) and says why.
  std::ofstream(ids) << releases_[0] << "\n999999\n";
  r = ctl({"bulk", "submit", "--file", ids, "--platforms", "fake"}, label_key_);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "refused releases") && has(r.out, "no release 999999")) << r.out;
  EXPECT_TRUE(has(r.out, "already on platform")) << r.out;

  // --detach returns at once with the job id.
  std::ofstream(ids) << releases_[1] << "\n";
  r = ctl({"bulk", "submit", "--file", ids, "--platforms", "fake", "--detach"}, label_key_);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "queued: 1 releases x 1 platforms")) << r.out;
}

TEST_F(tmctl_cli, mistakes_exit_with_usage_not_found_or_failure_and_print_the_servers_code) {
  EXPECT_EQ(ctl({}, admin_key_).code, 2);
  EXPECT_EQ(ctl({"jobs", "frobnicate"}, admin_key_).code, 2);
  EXPECT_EQ(ctl({"jobs", "show", "abc"}, admin_key_).code, 2);
  auto r = ctl({"jobs", "show", "999999"}, admin_key_);
  EXPECT_EQ(r.code, 3);
  EXPECT_TRUE(has(r.err, "NOT_FOUND")) << r.err;
  r = ctl({"releases", "validate", "999999"}, label_key_);
  EXPECT_EQ(r.code, 3);

  const auto ids = (dir_.path() / "bad.txt").string();
  std::ofstream(ids) << "1\nseven\n";
  r = ctl({"bulk", "submit", "--file", ids, "--platforms", "1"}, label_key_);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(has(r.err, "bad.txt:2")) << r.err;

  r = ctl({"jobs", "list"}, "");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(has(r.err, "AUTH_REQUIRED")) << r.err;
  r = ctl({"jobs", "list"}, "tm_0000000000_nope");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(has(r.err, "INVALID_API_KEY")) << r.err;
  r = ctl({"status"}, label_key_);
  EXPECT_EQ(r.code, 1); // admin only
  EXPECT_TRUE(has(r.err, "INSUFFICIENT_SCOPE") || has(r.err, "FORBIDDEN")) << r.err;
  r = run({"jobs", "list", "--url", "http://127.0.0.1:1"}, {{"TMCTL_API_KEY", admin_key_}, {"HOME", dir_.path().string()}});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(has(r.err, "cannot reach tunemantrad")) << r.err;
}

TEST_F(tmctl_cli, users_and_keys_through_the_api_and_settings_from_a_config_file) {
  auto r = ctl({"users", "create", "--username", "amy", "--email", "amy@example.com", "--role", "label",
                "--password-file", (dir_.path() / "pw").string()},
               admin_key_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "amy (label)")) << r.out;
  r = ctl({"users", "list"}, admin_key_);
  EXPECT_TRUE(has(r.out, "amy@example.com")) << r.out;
  r = ctl({"users", "disable", "amy"}, admin_key_);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "disabled")) << r.out;
  EXPECT_EQ(ctl({"users", "disable", "nobody"}, admin_key_).code, 3);

  r = ctl({"keys", "create", "--scopes", "catalog:read", "--name", "read-only", "-o", "json"}, label_key_);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto created = json::parse(r.out);
  const auto secret = created["key"].get<std::string>();
  EXPECT_EQ(ctl({"platforms", "list"}, secret).code, 0);
  r = ctl({"keys", "list"}, label_key_);
  EXPECT_TRUE(has(r.out, "read-only")) << r.out;
  r = ctl({"keys", "revoke", std::to_string(created["id"].get<long long>())}, label_key_);
  EXPECT_EQ(r.code, 0) << r.err;
  r = ctl({"platforms", "list"}, secret);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(has(r.err, "INVALID_API_KEY")) << r.err;

  // url and api_key from the tmctl config file (flags and environment not set).
  const auto config = dir_.path() / "tmctl.toml";
  std::ofstream(config) << "url = \"http://127.0.0.1:" << port_ << "\"\napi_key = \"" << admin_key_ << "\"\n";
  r = run({"platforms", "list"}, {{"TMCTL_CONFIG", config.string()}});
  EXPECT_EQ(r.code, 0) << r.err;

  r = ctl({"completion", "bash"}, "");
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(has(r.out, "complete -F _tmctl tmctl") && has(r.out, "watch")) << r.out;
}

TEST_F(tmctl_cli, sales_import_sends_every_file_of_a_dsr_in_several_files) {
  const auto key = key_for("label", "analytics:read,analytics:write");
  const auto texts = test::dsr_report("BasicAudioProfile", "1.2", "MSG-CLI-2", "StreamCo", "2026-10-01", "2026-10-31", 2,
                                      [](test::dsr_writer& w, int n) {
    w.record("SY01.01", {{"SummaryRecordId", "S1"}, {"CommercialModel", "SubscriptionModel"}, {"UseType", "OnDemandStream"},
                         {"Territory", "GB"}, {"ServiceDescription", "Premium"}, {"Usages", "2"},
                         {"CurrencyOfReporting", "GBP"}, {"NetRevenue", "1.00"}});
    const auto block = std::to_string(n);
    w.record("AS01.01", {{"BlockId", block}, {"ResourceReference", "A"}, {"DspResourceId", "a" + block},
                         {"ISRC", "GBAYE249999" + block}, {"Title", "Song"}, {"DisplayArtistName", "X"},
                         {"ResourceType", "SoundRecording"}});
    w.record("MW01.01", {{"BlockId", block}, {"DspWorkId", "w"}, {"Title", "Work"}});
    w.record("SU02", {{"BlockId", block}, {"SummaryRecordId", "S1"}, {"SalesTransactionId", "T" + block},
                      {"TransactedResource", "A"}, {"IsRoyaltyBearing", "true"}, {"NumberOfStreams", "1"}});
  });
  std::vector<std::string> files;
  for (int n = 1; n <= 2; ++n) {
    files.push_back((dir_.path() / test::dsr_writer::file_name("TuneMantra", "StreamCo", "Premium", "2026-10", "GB", n, 2))
                      .string());
    std::ofstream(files.back()) << texts[static_cast<std::size_t>(n - 1)];
  }
  const auto check = test::dsr_check(std::vector<std::filesystem::path>(files.begin(), files.end()));
  EXPECT_TRUE(check.passed) << check.output;
  auto r = ctl({"sales", "import", files[0]}, key); // one file: the report waits for the other
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_TRUE(has(r.out, "waiting; waiting for file(s) [2]")) << r.out;
  r = ctl({"sales", "import", files[1], "--wait"}, key);
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_TRUE(has(r.out, "imported: 2 rows, 2 unmatched")) << r.out;
  EXPECT_TRUE(has(r.out, "FILE")) << r.out;
}

TEST_F(tmctl_cli, sales_import_and_a_royalty_period_from_calculation_to_csv_statements) {
  const auto key = key_for("label", "catalog:read,analytics:read,analytics:write,royalties:read,royalties:write");
  std::string isrc, label_id;
  {
    auto store = persistence::open_store(test::database_config_for(db_url_));
    const auto label = store->accounts().find_user_by_name("label");
    isrc = store->catalog().list_tracks(label->id, releases_[0]).at(0).isrc;
    label_id = std::to_string(label->id);
  }
  const auto csv = dir_.path() / "october.csv";
  std::ofstream(csv) << "platform,period,territory,isrc,upc,use_type,quantity,net_revenue,currency\n"
                     << "StreamCo,2026-10-05,GB," << isrc << ",,stream,1000,100.00,EUR\n"
                     << "StreamCo,2026-10-06,US," << isrc << ",,stream,500,50.00,USD\n"
                     << "StreamCo,2026-10-06,US,ZZTMA2699999,,stream,5,0.50,USD\n";
  auto r = ctl({"sales", "import", csv.string(), "--wait"}, key);
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_TRUE(has(r.out, "imported: 3 rows, 1 unmatched")) << r.out;
  EXPECT_TRUE(has(r.out, "ZZTMA2699999")) << r.out;
  r = ctl({"sales", "import", csv.string()}, key);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(has(r.err, "CONFLICT")) << r.err;

  r = ctl({"royalties", "create", "--start", "2026-10-01", "--end", "2026-10-31", "--currency", "EUR", "-o", "json"}, key);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto period = std::to_string(json::parse(r.out)["id"].get<long long>());
  EXPECT_EQ(ctl({"royalties", "rates", period, "usd"}, key).code, 2); // not CUR=VALUE
  r = ctl({"royalties", "rates", period, "usd=0.90"}, key);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "USD 0.900000")) << r.out;
  r = ctl({"royalties", "advance", "--payee-user", label_id, "--amount", "10", "--currency", "EUR"}, key);
  ASSERT_EQ(r.code, 0) << r.err;
  r = ctl({"royalties", "calculate", period, "--wait"}, key);
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  r = ctl({"royalties", "show", period}, key);
  EXPECT_TRUE(has(r.out, "calculated")) << r.out;
  EXPECT_TRUE(has(r.out, "145.000000 EUR")) << r.out; // 100 + 50 x 0.90
  r = ctl({"royalties", "statements", period}, key);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "user " + label_id + "  123.250000 EUR")) << r.out; // 145 less 15 % commission
  r = ctl({"royalties", "statements", period, "--csv"}, key);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("period_id,currency,payee_user_id,payee_name,record,")) << r.out;
  EXPECT_TRUE(has(r.out, "," + label_id + ",,recouped,,,,,,,10.000000\r\n")) << r.out;
  EXPECT_TRUE(has(r.out, "," + label_id + ",,payable,,,,,,,113.250000\r\n")) << r.out;
  EXPECT_EQ(ctl({"royalties", "finalize", period}, key).code, 0);
  r = ctl({"royalties", "calculate", period}, key);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(has(r.err, "INVALID_STATE")) << r.err;
  EXPECT_EQ(ctl({"royalties", "show", "999999"}, key).code, 3);
  r = ctl({"royalties", "periods"}, key);
  EXPECT_TRUE(has(r.out, "finalized")) << r.out;
}

} // namespace
} // namespace tunemantra
