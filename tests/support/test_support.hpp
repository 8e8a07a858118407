#pragma once
// Helpers shared by the test suites: scratch SQLite files and PostgreSQL databases, child
// processes (the real daemon), and small HTTP calls. Nothing here fakes a database.

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "persistence/database_url.hpp"

namespace tunemantra::test {

/// A fresh directory under the system temp dir, removed with its contents at destruction.
class temp_dir {
public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

/// The admin URL of the PostgreSQL fixture cluster; throws when the fixture is not running.
std::string pg_admin_url();

/// A new, empty PostgreSQL database on the fixture cluster, dropped at destruction.
class pg_database {
public:
  pg_database();
  ~pg_database();
  pg_database(const pg_database&) = delete;
  pg_database& operator=(const pg_database&) = delete;
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

private:
  std::string name_;
  std::string url_;
};

/// A fresh, empty database of one backend: a SQLite file in a temp dir, or a new PostgreSQL
/// database on the fixture cluster. Gone at destruction.
class scratch_database {
public:
  explicit scratch_database(persistence::backend_kind backend);
  const std::string& url() const { return url_; }
  const std::filesystem::path& dir() const { return dir_.path(); } ///< a temp dir for other files

private:
  temp_dir dir_;
  std::unique_ptr<pg_database> pg_;
  std::string url_;
};

/// Test-name suffix for suites instantiated over both backends: `/sqlite`, `/postgresql`.
std::string backend_name(const ::testing::TestParamInfo<persistence::backend_kind>& info);
/// Both backends, for INSTANTIATE_TEST_SUITE_P.
inline auto both_backends() {
  return ::testing::Values(persistence::backend_kind::sqlite, persistence::backend_kind::postgresql);
}

/// Runs one SQL statement on the fixture cluster's admin database.
void pg_admin_exec(const std::string& sql);

/// A database config on the given URL with small, test-friendly limits.
config::database_config database_config_for(const std::string& url);

/// A child process with its stdout and stderr captured in files.
class process {
public:
  process(const std::string& path, const std::vector<std::string>& args,
          const std::map<std::string, std::string>& env = {});
  ~process(); ///< SIGKILLs a child still running
  process(const process&) = delete;
  process& operator=(const process&) = delete;

  /// Waits for exit; nullopt on timeout. The exit code, or 128+signal when killed.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  void signal(int sig);
  bool running();
  std::string err() const; ///< everything written to stderr so far
  std::string out() const;
  /// Waits until stderr contains `needle`; false on timeout or exit.
  bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout);
  int pid() const { return pid_; }

private:
  temp_dir dir_;
  int pid_ = -1;
  std::optional<int> status_;
};

/// Starts the daemon with `env` `kills` times and SIGKILLs it each time after a seeded random
/// pause of `min_ms`..`max_ms` (after it logged "daemon started"); `after_kill` runs after each kill.
void kill_daemon_repeatedly(const std::map<std::string, std::string>& env, int kills, unsigned seed, int min_ms,
                            int max_ms, const std::function<void()>& after_kill = {});

/// A free TCP port on 127.0.0.1 (the kernel's choice; closed again before returning).
int free_port();

struct http_answer {
  int status = 0; ///< 0 when the connection failed
  std::string body;
  std::map<std::string, std::string> headers;
};

http_answer http_get(int port, const std::string& path);

/// Sends `request` as raw bytes to 127.0.0.1:port and returns what comes back until the server
/// closes the connection or `timeout` passes.
/// `from`: the local address to send from (any of 127.0.0.0/8), as another client host would.
std::string raw_http(int port, const std::string& request, std::chrono::milliseconds timeout, const std::string& from = "");

struct raw_answers {
  std::string text;          ///< every byte the server sent
  bool closed = false;       ///< the server closed the connection (rather than going quiet)
  std::vector<int> statuses; ///< the status of each answer, in order
};

/// Sends `request` as raw bytes (any number of requests) and reads until the server closes the
/// connection or sends nothing for `quiet`.
raw_answers raw_http_all(int port, const std::string& request, std::chrono::milliseconds quiet);

} // namespace tunemantra::test
