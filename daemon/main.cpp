// tunemantrad: config -> persistence -> http; signals. Exit codes: 0 clean stop, 1 runtime failure
// (database unreachable, port taken, lock held), 2 bad command line or configuration.

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <pthread.h>
#include <thread>
#include <chrono>

#include <CLI/CLI.hpp>

#include "config/config.hpp"
#include "domain/log.hpp"
#include "actors/runtime.hpp"
#include "daemon/systemd_notify.hpp"
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
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

/// Ends the process if an orderly stop takes longer than the grace period. Every write is
/// transactional and every job resumes from its row, so exiting mid-step loses nothing.
void arm_grace_deadline(std::chrono::milliseconds grace) {
  std::thread([grace] {
    std::this_thread::sleep_for(grace);
    tmn::log::warn("daemon grace period expired; exiting with work in flight (it resumes on next start)",
                   {{"grace_ms", std::to_string(grace.count())}});
    std::_Exit(0);
  }).detach();
}

int run(const tmn::config::config& cfg, const options& opt) {
  const auto url = tmn::persistence::parse_database_url(cfg.database.url);
  tmn::persistence::ensure_database_folder(url);
  std::optional<tmn::persistence::file_lock> lock;
  if (url.backend == tmn::persistence::backend_kind::sqlite && !opt.migrate_only)
    lock.emplace(url.target + ".lock");

  auto store = tmn::persistence::open_store(cfg.database);
  const int applied = store->migrate();
  tmn::log::info("store ready", {{"backend", std::string(tmn::persistence::to_string(url.backend))},
                                 {"schema", std::to_string(store->schema_version())},
                                 {"applied", std::to_string(applied)}});
  if (opt.migrate_only)
    return 0;

  // Signals are blocked before any thread starts, so only the waiter below receives them.
  const sigset_t stop_signals = block_stop_signals();
  tmn::actors::job_runtime runtime{cfg, *store};
  tmn::http::server http{cfg, *store, runtime};
  http.bind();
  const auto grace = std::chrono::milliseconds{cfg.daemon.shutdown_grace_ms};
  std::thread waiter{[&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (sig == SIGUSR1)
      return; // the main thread is done and wakes us
    tmn::log::info("daemon stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    tmn::daemon::notify_stopping();
    arm_grace_deadline(grace);
    http.stop();
  }};
  {
    const auto watchdog_timeout = std::chrono::milliseconds{cfg.daemon.watchdog_timeout_ms};
    tmn::daemon::watchdog dog{[&] { return runtime.ping(watchdog_timeout); }};
    tmn::log::info("daemon started", {{"version", TM_VERSION}, {"pid", std::to_string(::getpid())}});
    tmn::daemon::notify_ready("serving on " + cfg.http.host + ":" + std::to_string(http.port()));
    http.run(); // returns once stop() was called and running handlers finished
  }
  pthread_kill(waiter.native_handle(), SIGUSR1);
  waiter.join();
  runtime.stop(grace);
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
  app.set_version_flag("--version", "tunemantrad " TM_VERSION);
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
