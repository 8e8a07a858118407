// tmctl: the operator's admin CLI. Offline commands work on the database directly and may run
// beside a running daemon. Exit codes: 0 ok, 1 failure, 2 usage, 3 not found.

#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "config/config.hpp"
#include "domain/log.hpp"
#include "persistence/errors.hpp"
#include "persistence/migrations.hpp"
#include "persistence/store.hpp"

namespace tmn = tunemantra;

namespace {

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

tmn::config::config load_config(const std::string& path) {
  return tmn::config::load(path.empty() ? std::nullopt : std::optional<std::string>{path});
}

int cmd_migrate(const std::string& config_path, bool status_only) {
  const auto cfg = load_config(config_path);
  auto store = tmn::persistence::open_store(cfg.database);
  if (status_only) {
    std::cout << "schema version " << store->schema_version() << " (this tmctl knows up to "
              << tmn::persistence::latest_schema_version(store->backend()) << ")\n";
    return 0;
  }
  const int applied = store->migrate();
  std::cout << "applied " << applied << " migration(s); schema version " << store->schema_version() << "\n";
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"tmctl: TuneMantra admin CLI"};
  app.require_subcommand(1);
  std::string config_path;
  app.add_option("-c,--config", config_path, "tunemantrad TOML configuration (for offline commands)")
    ->check(CLI::ExistingFile);
  app.set_version_flag("--version", "tmctl 0.1.0");

  bool status_only = false;
  auto* migrate = app.add_subcommand("migrate", "apply database migrations (offline, against the database)");
  migrate->add_flag("--status", status_only, "only print the schema version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : exit_usage;
  }
  tmn::log::set_level(tmn::log::level::warn);
  try {
    if (migrate->parsed())
      return cmd_migrate(config_path, status_only);
  } catch (const tmn::config::config_error& e) {
    std::cerr << e.what() << '\n';
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "tmctl: " << e.what() << '\n';
    return exit_failure;
  }
  return exit_usage;
}
