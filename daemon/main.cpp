// tunemantrad: config -> persistence -> http; signals. Exit codes: 0 clean stop, 1 runtime failure
// (database unreachable, port taken, lock held), 2 bad command line or configuration.

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <pthread.h>
#include <thread>

#include <CLI/CLI.hpp>

#include "config/config.hpp"
#include "domain/log.hpp"
#include "http/server.hpp"
#include "persistence/database_url.hpp"
#include "persistence/errors.hpp"
#include "persistence/file_lock.hpp"
#include "persistence/store.hpp"

namespace tmn = tunemantra;

namespace {

constexpr int exit_runtime = 1;
constexpr int exit_usage = 2;

struct options {
  std::optional<std::string> config_path;
  bool migrate_only = false;
};

/// Blocks SIGTERM/SIGINT in every thread started after this; one thread waits for them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int run(const tmn::config::config& cfg, const options& opt) {
  const auto url = tmn::persistence::parse_database_url(cfg.database.url);
  std::optional<tmn::persistence::file_lock> lock;
  tmn::persistence::ensure_database_folder(url);
  if (url.backend == tmn::persistence::backend_kind::sqlite && !opt.migrate_only)
    lock.emplace(url.target + ".lock");

  auto store = tmn::persistence::open_store(cfg.database);
  const int applied = store->migrate();
  tmn::log::info("store ready", {{"backend", std::string(tmn::persistence::to_string(url.backend))},
                                {"schema", std::to_string(store->schema_version())},
                                {"applied", std::to_string(applied)}});
  if (opt.migrate_only)
    return 0;

  tmn::http::server http{cfg.http, *store};
  http.bind();
  const sigset_t stop_signals = block_stop_signals();
  std::thread waiter{[&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    tmn::log::info("daemon stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    http.stop();
  }};
  tmn::log::info("daemon started", {{"version", "0.1.0"}, {"pid", std::to_string(::getpid())}});
  http.run();
  // run() also returns if the listener fails; make the waiter return in every case.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  tmn::log::info("daemon stopped");
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"tunemantrad: the TuneMantra music distribution daemon"};
  options opt;
  std::string config_path;
  app.add_option("-c,--config", config_path, "TOML configuration file")->check(CLI::ExistingFile);
  app.add_flag("--migrate-only", opt.migrate_only, "apply database migrations and exit");
  app.set_version_flag("--version", "tunemantrad 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : exit_usage;
  }
  if (!config_path.empty())
    opt.config_path = config_path;

  tmn::config::config cfg;
  try {
    cfg = tmn::config::load(opt.config_path);
  } catch (const tmn::config::config_error& e) {
    std::cerr << e.what() << '\n';
    return exit_usage;
  }
  tmn::log::level level = tmn::log::level::info;
  tmn::log::parse_level(cfg.log.level, level);
  tmn::log::set_level(level);

  try {
    return run(cfg, opt);
  } catch (const tmn::persistence::schema_too_new& e) {
    tmn::log::error("daemon refused to start", {{"error", e.what()}});
  } catch (const tmn::persistence::store_unavailable& e) {
    tmn::log::error("daemon cannot reach the database", {{"error", e.what()}});
  } catch (const std::exception& e) {
    tmn::log::error("daemon failed", {{"error", e.what()}});
  }
  return exit_runtime;
}
