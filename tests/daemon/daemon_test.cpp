// The real tunemantrad and tmctl binaries, started as child processes.

#include <csignal>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <fstream>

#include <gtest/gtest.h>

#include "persistence/migrations.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra {
namespace {

using namespace std::chrono_literals;
using test::process;

class daemon_process : public ::testing::Test {
protected:
  std::map<std::string, std::string> env_for(const std::string& url, int port) {
    return {{"TUNEMANTRA_DATABASE_URL", url}, {"TUNEMANTRA_HTTP_PORT", std::to_string(port)}};
  }
  std::string sqlite_url() { return "sqlite://" + (dir_.path() / "var" / "tm.db").string(); }

  /// Starts the daemon and waits until it serves; the test fails if it does not.
  std::unique_ptr<process> start(const std::string& url, int port) {
    auto p = std::make_unique<process>(TM_DAEMON_PATH, std::vector<std::string>{}, env_for(url, port));
    EXPECT_TRUE(p->wait_for_log("daemon started", 20s)) << p->err();
    return p;
  }

  test::temp_dir dir_;
};

TEST_F(daemon_process, serves_health_on_sqlite_and_stops_cleanly_on_sigterm) {
  const int port = test::free_port();
  auto d = start(sqlite_url(), port);
  const auto health = test::http_get(port, "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"ok"})");
  EXPECT_EQ(health.headers.at("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(test::http_get(port, "/readyz").status, 200);
  const auto missing = test::http_get(port, "/api/nothing-here");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find(R"("code":"NOT_FOUND")"), std::string::npos) << missing.body;
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "var" / "tm.db"));
  d->signal(SIGTERM);
  EXPECT_EQ(d->wait(15s), 0) << d->err();
  EXPECT_NE(d->err().find("daemon stopped"), std::string::npos);
}

TEST_F(daemon_process, a_second_daemon_on_the_same_sqlite_file_refuses_to_start) {
  auto first = start(sqlite_url(), test::free_port());
  process second{TM_DAEMON_PATH, {}, env_for(sqlite_url(), test::free_port())};
  EXPECT_EQ(second.wait(20s), 1);
  EXPECT_NE(second.err().find("another tunemantrad is using this database"), std::string::npos) << second.err();
  EXPECT_TRUE(first->running());
}

TEST_F(daemon_process, offline_tmctl_runs_beside_a_running_daemon) {
  auto d = start(sqlite_url(), test::free_port());
  process ctl{TM_TMCTL_PATH, {"migrate", "--status"}, {{"TUNEMANTRA_DATABASE_URL", sqlite_url()}}};
  EXPECT_EQ(ctl.wait(20s), 0) << ctl.err();
  const auto latest = std::to_string(persistence::latest_schema_version(persistence::backend_kind::sqlite));
  EXPECT_NE(ctl.out().find("schema version " + latest + " (this tmctl knows up to " + latest + ")"),
            std::string::npos)
    << ctl.out();
}

TEST_F(daemon_process, a_bad_config_value_exits_2_with_one_line_naming_it) {
  const auto path = (dir_.path() / "bad.toml").string();
  std::ofstream(path) << "[http]\nhost = \"127.0.0.1\"\nthreads = -4\n";
  process d{TM_DAEMON_PATH, {"--config", path}};
  EXPECT_EQ(d.wait(10s), 2);
  const auto err = d.err();
  EXPECT_NE(err.find("http.threads = -4"), std::string::npos) << err;
  EXPECT_NE(err.find("bad.toml:3"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST_F(daemon_process, a_typo_in_the_config_is_not_ignored) {
  const auto path = (dir_.path() / "typo.toml").string();
  std::ofstream(path) << "[database]\nurll = \"sqlite://x.db\"\n";
  process d{TM_DAEMON_PATH, {"--config", path}};
  EXPECT_EQ(d.wait(10s), 2);
  EXPECT_NE(d.err().find("database.urll"), std::string::npos) << d.err();
}

TEST_F(daemon_process, a_bad_environment_override_exits_2) {
  process d{TM_DAEMON_PATH, {}, {{"TUNEMANTRA_HTTP_PORT", "http"}}};
  EXPECT_EQ(d.wait(10s), 2);
  EXPECT_NE(d.err().find("TUNEMANTRA_HTTP_PORT"), std::string::npos) << d.err();
}

TEST_F(daemon_process, an_unreachable_database_exits_1_with_the_reason) {
  const auto url = "postgresql://tm@127.0.0.1:" + std::to_string(test::free_port()) + "/tm";
  process d{TM_DAEMON_PATH, {}, env_for(url, test::free_port())};
  EXPECT_EQ(d.wait(30s), 1);
  EXPECT_NE(d.err().find("cannot connect to postgresql://"), std::string::npos) << d.err();
}

TEST_F(daemon_process, a_taken_port_exits_1) {
  const int port = test::free_port();
  auto first = start(sqlite_url(), port);
  const auto other = "sqlite://" + (dir_.path() / "other.db").string();
  process second{TM_DAEMON_PATH, {}, env_for(other, port)};
  EXPECT_EQ(second.wait(20s), 1);
  EXPECT_NE(second.err().find("cannot bind"), std::string::npos) << second.err();
}

TEST_F(daemon_process, migrate_only_on_postgresql_then_serve_and_report_readiness) {
  test::pg_database db;
  process migrate{TM_DAEMON_PATH, {"--migrate-only"}, env_for(db.url(), test::free_port())};
  EXPECT_EQ(migrate.wait(30s), 0) << migrate.err();
  EXPECT_NE(migrate.err().find("store applied migration"), std::string::npos) << migrate.err();

  const int port = test::free_port();
  auto d = start(db.url(), port);
  EXPECT_NE(d->err().find("applied=0"), std::string::npos) << d->err();
  EXPECT_EQ(test::http_get(port, "/readyz").status, 200);

  // The database goes away: readiness says so, liveness does not.
  test::pg_admin_exec("ALTER DATABASE " + db.name() + " ALLOW_CONNECTIONS false");
  test::pg_admin_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db.name() + "'");
  EXPECT_EQ(test::http_get(port, "/readyz").status, 503);
  EXPECT_EQ(test::http_get(port, "/healthz").status, 200);
  test::pg_admin_exec("ALTER DATABASE " + db.name() + " ALLOW_CONNECTIONS true");
  EXPECT_EQ(test::http_get(port, "/readyz").status, 200);
  d->signal(SIGTERM);
  EXPECT_EQ(d->wait(15s), 0);
}

TEST_F(daemon_process, a_database_from_a_newer_version_is_refused) {
  test::pg_database db;
  process migrate{TM_DAEMON_PATH, {"--migrate-only"}, env_for(db.url(), 0)};
  ASSERT_EQ(migrate.wait(30s), 0) << migrate.err();
  test::pg_admin_exec("SELECT 1"); // the admin connection works
  process ctl{TM_TMCTL_PATH, {"migrate", "--status"}, {{"TUNEMANTRA_DATABASE_URL", db.url()}}};
  EXPECT_EQ(ctl.wait(20s), 0) << ctl.err();
  // Record a version from the future straight in the database, as a newer binary would have.
  const auto admin = test::pg_admin_url();
  {
    process psql{"/usr/bin/psql", {"-q", "-d", db.url(), "-c",
                                   "INSERT INTO schema_migrations VALUES (9999, 'future', 0)"}};
    ASSERT_EQ(psql.wait(20s), 0) << psql.err();
  }
  process d{TM_DAEMON_PATH, {}, env_for(db.url(), test::free_port())};
  EXPECT_EQ(d.wait(20s), 1);
  EXPECT_NE(d.err().find("newer than this tunemantrad supports"), std::string::npos) << d.err();
}

} // namespace
} // namespace tunemantra

// ---- crash recovery of the whole daemon ---------------------------------------------------------

#include <random>

#include "persistence/store.hpp"

namespace tunemantra {
namespace {

constexpr int kill_points = 20;
constexpr int jobs_in_run = 6;
constexpr int steps_per_job = 600;

/// Creates sleep jobs, then starts and SIGKILLs the daemon at `kill_points` seeded random moments,
/// then lets it finish. Every job must succeed with every step recorded exactly once: the primary
/// key of sleep_steps would fail a job that ran a step twice.
void kill_and_recover(const std::string& url, std::uint32_t seed) {
  auto store = persistence::open_store(test::database_config_for(url));
  store->migrate();
  std::vector<std::int64_t> ids;
  for (int i = 0; i < jobs_in_run; ++i) {
    domain::new_job nj;
    nj.kind = "sleep";
    // Every other job also crashes once on its own, so supervisor restarts mix with daemon kills.
    nj.payload = R"({"steps": )" + std::to_string(steps_per_job) + R"(, "stepMs": 8)"
                 + (i % 2 ? R"(, "crashTimes": 1, "crashAtStep": 60})" : "}");
    ids.push_back(store->create_job(nj).id);
  }
  const std::map<std::string, std::string> env = {{"TUNEMANTRA_DATABASE_URL", url},
                                                  {"TUNEMANTRA_HTTP_PORT", "0"},
                                                  {"TUNEMANTRA_JOBS_POLL_INTERVAL_MS", "50"},
                                                  {"TUNEMANTRA_JOBS_RESTART_BACKOFF_MS", "20"}};
  std::mt19937 rng{seed};
  std::uniform_int_distribution<int> after_ms{20, 400};
  auto done_steps = [&] {
    std::size_t n = 0;
    for (auto id : ids)
      n += store->sleep_steps(id).size();
    return n;
  };
  for (int k = 1; k <= kill_points; ++k) {
    test::process d{TM_DAEMON_PATH, {}, env};
    ASSERT_TRUE(d.wait_for_log("daemon started", 20s)) << d.err();
    const int wait = after_ms(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    d.signal(SIGKILL);
    ASSERT_EQ(d.wait(10s), 128 + SIGKILL);
    std::cout << "kill " << k << " after " << wait << " ms: " << done_steps() << "/" << jobs_in_run * steps_per_job
              << " steps recorded\n";
  }
  test::process d{TM_DAEMON_PATH, {}, env};
  ASSERT_TRUE(d.wait_for_log("daemon started", 20s)) << d.err();
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  for (auto id : ids) {
    while (!domain::is_terminal(store->find_job(id)->status) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(50ms);
  }
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(15s), 0) << d.err();
  std::vector<int> expected;
  for (int s = 1; s <= steps_per_job; ++s)
    expected.push_back(s);
  for (auto id : ids) {
    const auto job = store->find_job(id);
    EXPECT_EQ(job->status, domain::job_status::succeeded) << "job " << id << ": " << job->error;
    EXPECT_EQ(store->sleep_steps(id), expected) << "job " << id;
    EXPECT_EQ(job->progress.done, steps_per_job);
  }
}

TEST(daemon_crash_recovery, sigkill_at_20_random_points_on_sqlite_repeats_and_loses_no_step) {
  test::temp_dir dir;
  kill_and_recover("sqlite://" + (dir.path() / "tm.db").string(), 20261201);
}

TEST(daemon_crash_recovery, sigkill_at_20_random_points_on_postgresql_repeats_and_loses_no_step) {
  test::pg_database db;
  kill_and_recover(db.url(), 20261202);
}

TEST(daemon_shutdown, sigterm_lets_running_steps_persist_and_exits_0_within_the_grace_period) {
  test::temp_dir dir;
  const auto url = "sqlite://" + (dir.path() / "tm.db").string();
  auto store = persistence::open_store(test::database_config_for(url));
  store->migrate();
  domain::new_job nj;
  nj.kind = "sleep";
  nj.payload = R"({"steps": 100000, "stepMs": 2})";
  const auto id = store->create_job(nj).id;
  const std::map<std::string, std::string> env = {{"TUNEMANTRA_DATABASE_URL", url},
                                                  {"TUNEMANTRA_HTTP_PORT", "0"},
                                                  {"TUNEMANTRA_DAEMON_SHUTDOWN_GRACE_MS", "3000"}};
  test::process d{TM_DAEMON_PATH, {}, env};
  ASSERT_TRUE(d.wait_for_log("daemon started", 20s)) << d.err();
  while (store->sleep_steps(id).size() < 20)
    std::this_thread::sleep_for(10ms);
  const auto start = std::chrono::steady_clock::now();
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(10s), 0) << d.err();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_NE(d.err().find("supervisor stopped"), std::string::npos) << d.err();
  const auto job = store->find_job(id);
  EXPECT_EQ(job->status, domain::job_status::running); // resumes on the next start
  EXPECT_EQ(static_cast<std::size_t>(job->progress.done), store->sleep_steps(id).size());
}

} // namespace
} // namespace tunemantra

// ---- offline bootstrap with tmctl ---------------------------------------------------------------

namespace tunemantra {
namespace {

TEST(tmctl_bootstrap, creates_an_admin_and_a_key_beside_a_running_daemon) {
  test::temp_dir dir;
  const auto url = "sqlite://" + (dir.path() / "tm.db").string();
  const int port = test::free_port();
  const std::map<std::string, std::string> env = {{"TUNEMANTRA_DATABASE_URL", url},
                                                  {"TUNEMANTRA_HTTP_PORT", std::to_string(port)},
                                                  {"TUNEMANTRA_AUTH_SCRYPT_LOG_N", "14"}};
  test::process d{TM_DAEMON_PATH, {}, env};
  ASSERT_TRUE(d.wait_for_log("daemon started", 20s)) << d.err();

  const auto password_file = (dir.path() / "pw").string();
  std::ofstream(password_file) << "a long enough password\n";
  test::process user{TM_TMCTL_PATH,
                     {"user", "create", "--admin", "--username", "ops", "--email", "ops@example.com", "--password-file",
                      password_file},
                     env};
  ASSERT_EQ(user.wait(30s), 0) << user.err();
  EXPECT_NE(user.out().find("created user 1 ops (admin)"), std::string::npos) << user.out();

  test::process key{TM_TMCTL_PATH, {"keys", "create", "--user", "ops", "--scopes", "admin", "--output", "json"}, env};
  ASSERT_EQ(key.wait(30s), 0) << key.err();
  const auto created = nlohmann::json::parse(key.out());
  const auto secret = created["key"].get<std::string>();

  httplib::Client c("127.0.0.1", port);
  c.set_bearer_token_auth(secret.c_str());
  auto r = c.Get("/api/auth/me");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(nlohmann::json::parse(r->body)["data"]["role"], "admin");
  httplib::Client login("127.0.0.1", port);
  r = login.Post("/api/auth/login", R"({"username":"ops","password":"a long enough password"})", "application/json");
  EXPECT_EQ(r->status, 200) << r->body;

  // Mistakes are usage errors or not-found, never a half-made account.
  test::process argv_password{TM_TMCTL_PATH,
                              {"user", "create", "--username", "x1", "--email", "x@example.com", "--password", "p"},
                              env};
  EXPECT_EQ(argv_password.wait(20s), 2);
  test::process no_user{TM_TMCTL_PATH, {"keys", "create", "--user", "ghost", "--scopes", "catalog:read"}, env};
  EXPECT_EQ(no_user.wait(20s), 3);
  test::process too_strong{TM_TMCTL_PATH, {"keys", "create", "--user", "ops", "--scopes", "catalog:burn"}, env};
  EXPECT_EQ(too_strong.wait(20s), 2);
  test::process taken{TM_TMCTL_PATH,
                      {"user", "create", "--username", "OPS", "--email", "o@example.com", "--password-file", password_file},
                      env};
  EXPECT_EQ(taken.wait(30s), 1);
  EXPECT_NE(taken.err().find("taken"), std::string::npos);
}

} // namespace
} // namespace tunemantra
