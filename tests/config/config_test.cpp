#include "config/config.hpp"

#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "tests/support/test_support.hpp"

namespace tunemantra::config {
namespace {

using env_map = std::map<std::string, std::string>;

env_lookup fake_env(env_map vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end())
      return std::nullopt;
    return it->second;
  };
}

class config_file : public ::testing::Test {
protected:
  std::string write(const std::string& text) {
    const auto path = (dir_.path() / "tm.toml").string();
    std::ofstream(path) << text;
    return path;
  }

  /// Loads and returns the error text; fails the test when loading succeeds.
  std::string error_of(const std::string& text, env_map env = {}) {
    const auto path = write(text);
    try {
      load(path, fake_env(std::move(env)));
    } catch (const config_error& e) {
      return e.what();
    }
    ADD_FAILURE() << "expected a config_error for:\n" << text;
    return {};
  }

  test::temp_dir dir_;
};

TEST(config_defaults, no_file_no_environment_gives_the_documented_defaults) {
  const auto cfg = load(std::nullopt, fake_env({}));
  EXPECT_EQ(cfg.http.host, "127.0.0.1");
  EXPECT_EQ(cfg.http.port, 8080);
  EXPECT_EQ(cfg.database.url, "sqlite://var/tunemantra.db");
  EXPECT_EQ(cfg.database.pool_size, defaults::database_pool_size);
  EXPECT_EQ(cfg.log.level, "info");
  EXPECT_TRUE(cfg.http.cors_origins.empty());
}

TEST(config_defaults, the_example_file_loads_and_states_the_defaults) {
  const auto from_file = load(std::string(TM_SOURCE_DIR) + "/config/tunemantra.toml", fake_env({}));
  const auto builtin = load(std::nullopt, fake_env({}));
  EXPECT_EQ(from_file.http.host, builtin.http.host);
  EXPECT_EQ(from_file.http.port, builtin.http.port);
  EXPECT_EQ(from_file.http.threads, builtin.http.threads);
  EXPECT_EQ(from_file.http.keep_alive_max_count, builtin.http.keep_alive_max_count);
  EXPECT_EQ(from_file.http.read_timeout_ms, builtin.http.read_timeout_ms);
  EXPECT_EQ(from_file.http.max_body_bytes, builtin.http.max_body_bytes);
  EXPECT_EQ(from_file.http.cookie_secure, builtin.http.cookie_secure);
  EXPECT_EQ(from_file.database.url, builtin.database.url);
  EXPECT_EQ(from_file.database.pool_size, builtin.database.pool_size);
  EXPECT_EQ(from_file.database.lease_timeout_ms, builtin.database.lease_timeout_ms);
  EXPECT_EQ(from_file.database.busy_timeout_ms, builtin.database.busy_timeout_ms);
  EXPECT_EQ(from_file.database.connect_timeout_s, builtin.database.connect_timeout_s);
  EXPECT_EQ(from_file.database.worker_threads, builtin.database.worker_threads);
  EXPECT_EQ(from_file.log.level, builtin.log.level);
  EXPECT_EQ(from_file.daemon.shutdown_grace_ms, builtin.daemon.shutdown_grace_ms);
  EXPECT_EQ(from_file.daemon.watchdog_timeout_ms, builtin.daemon.watchdog_timeout_ms);
  EXPECT_EQ(from_file.jobs.restart_backoff_ms, builtin.jobs.restart_backoff_ms);
  EXPECT_EQ(from_file.jobs.restart_backoff_max_ms, builtin.jobs.restart_backoff_max_ms);
  EXPECT_EQ(from_file.jobs.max_restarts, builtin.jobs.max_restarts);
  EXPECT_EQ(from_file.jobs.restart_period_ms, builtin.jobs.restart_period_ms);
  EXPECT_EQ(from_file.jobs.poll_interval_ms, builtin.jobs.poll_interval_ms);
  EXPECT_EQ(from_file.auth.scrypt_log_n, builtin.auth.scrypt_log_n);
  EXPECT_EQ(from_file.auth.session_idle_minutes, builtin.auth.session_idle_minutes);
  EXPECT_EQ(from_file.auth.session_absolute_hours, builtin.auth.session_absolute_hours);
  EXPECT_EQ(from_file.auth.login_max_failures, builtin.auth.login_max_failures);
  EXPECT_EQ(from_file.auth.login_window_s, builtin.auth.login_window_s);
  EXPECT_EQ(from_file.auth.login_lock_s, builtin.auth.login_lock_s);
  EXPECT_EQ(from_file.auth.metrics_require_admin, builtin.auth.metrics_require_admin);
  EXPECT_EQ(from_file.rate_limit.enabled, builtin.rate_limit.enabled);
  EXPECT_EQ(from_file.rate_limit.auth_per_minute, builtin.rate_limit.auth_per_minute);
  EXPECT_EQ(from_file.rate_limit.auth_burst, builtin.rate_limit.auth_burst);
  EXPECT_EQ(from_file.rate_limit.api_per_minute, builtin.rate_limit.api_per_minute);
  EXPECT_EQ(from_file.rate_limit.api_burst, builtin.rate_limit.api_burst);
  EXPECT_EQ(from_file.catalog.upc_prefix, builtin.catalog.upc_prefix);
  EXPECT_EQ(from_file.catalog.isrc_registrant, builtin.catalog.isrc_registrant);
}

TEST(config_defaults, the_example_file_documents_every_key) {
  std::ifstream in(std::string(TM_SOURCE_DIR) + "/config/tunemantra.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& key : known_keys()) {
    const auto dot = key.find('.');
    const auto section = "[" + key.substr(0, dot) + "]";
    const auto name = "\n" + key.substr(dot + 1) + " = ";
    EXPECT_NE(text.find(section), std::string::npos) << section;
    EXPECT_NE(text.find(name, text.find(section)), std::string::npos) << key << " is not in the example file";
  }
}

TEST_F(config_file, values_from_the_file_override_defaults) {
  const auto path = write("[http]\nport = 9191\ncors_origins = [\"https://app.example\"]\n"
                          "[database]\nurl = \"postgresql://u@localhost/tm\"\npool_size = 3\n");
  const auto cfg = load(path, fake_env({}));
  EXPECT_EQ(cfg.http.port, 9191);
  EXPECT_EQ(cfg.http.cors_origins, std::vector<std::string>{"https://app.example"});
  EXPECT_EQ(cfg.database.url, "postgresql://u@localhost/tm");
  EXPECT_EQ(cfg.database.pool_size, 3);
  EXPECT_EQ(cfg.http.host, "127.0.0.1"); // untouched keys keep their defaults
}

TEST_F(config_file, an_unknown_key_names_key_and_line) {
  const auto err = error_of("[http]\nport = 8080\nprot = 8081\n");
  EXPECT_NE(err.find("http.prot"), std::string::npos) << err;
  EXPECT_NE(err.find("unknown key"), std::string::npos) << err;
  EXPECT_NE(err.find("tm.toml:3"), std::string::npos) << err;
}

TEST_F(config_file, an_unknown_section_is_an_error) {
  const auto err = error_of("[htpp]\nport = 8080\n");
  EXPECT_NE(err.find("htpp.port"), std::string::npos) << err;
  EXPECT_NE(err.find("tm.toml:2"), std::string::npos) << err;
}

TEST_F(config_file, a_wrong_type_names_key_value_and_line) {
  const auto err = error_of("[log]\nlevel = \"info\"\n[http]\n\nport = \"eighty\"\n");
  EXPECT_NE(err.find("http.port = \"eighty\""), std::string::npos) << err;
  EXPECT_NE(err.find("expected an integer"), std::string::npos) << err;
  EXPECT_NE(err.find("tm.toml:5"), std::string::npos) << err;
}

TEST_F(config_file, an_out_of_range_value_is_refused) {
  const auto err = error_of("[http]\nport = 70000\n");
  EXPECT_NE(err.find("http.port = 70000"), std::string::npos) << err;
  EXPECT_NE(err.find("between 0 and 65535"), std::string::npos) << err;
}

TEST_F(config_file, a_bad_database_url_and_a_bad_level_are_refused) {
  EXPECT_NE(error_of("[database]\nurl = \"mysql://x\"\n").find("database.url"), std::string::npos);
  EXPECT_NE(error_of("[log]\nlevel = \"loud\"\n").find("debug, info, warn, error"), std::string::npos);
}

TEST_F(config_file, a_syntax_error_names_the_line) {
  const auto err = error_of("[http]\nport = = 3\n");
  EXPECT_NE(err.find("cannot parse"), std::string::npos) << err;
  EXPECT_NE(err.find("tm.toml:2"), std::string::npos) << err;
}

TEST_F(config_file, a_missing_file_is_an_error) {
  EXPECT_THROW(load((dir_.path() / "absent.toml").string(), fake_env({})), config_error);
}

TEST(config_env, environment_overrides_file_and_defaults) {
  const auto cfg = load(std::nullopt, fake_env({{"TUNEMANTRA_HTTP_PORT", "9090"},
                                                {"TUNEMANTRA_DATABASE_URL", "sqlite:///tmp/x.db"},
                                                {"TUNEMANTRA_HTTP_COOKIE_SECURE", "true"},
                                                {"TUNEMANTRA_HTTP_CORS_ORIGINS", "https://a.example,https://b.example"}}));
  EXPECT_EQ(cfg.http.port, 9090);
  EXPECT_EQ(cfg.database.url, "sqlite:///tmp/x.db");
  EXPECT_TRUE(cfg.http.cookie_secure);
  EXPECT_EQ(cfg.http.cors_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
}

TEST(config_env, a_bad_environment_value_names_the_variable) {
  try {
    load(std::nullopt, fake_env({{"TUNEMANTRA_HTTP_PORT", "80x"}}));
    FAIL() << "expected config_error";
  } catch (const config_error& e) {
    const std::string err = e.what();
    EXPECT_NE(err.find("http.port = \"80x\""), std::string::npos) << err;
    EXPECT_NE(err.find("environment TUNEMANTRA_HTTP_PORT"), std::string::npos) << err;
  }
}

TEST(config_env, env_names_follow_section_and_key) {
  EXPECT_EQ(env_name("database.url"), "TUNEMANTRA_DATABASE_URL");
  EXPECT_EQ(env_name("http.max_body_bytes"), "TUNEMANTRA_HTTP_MAX_BODY_BYTES");
}

} // namespace
} // namespace tunemantra::config
