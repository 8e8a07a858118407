// tmctl: the operator's admin CLI. Offline commands work on the database directly and may run
// beside a running daemon. Exit codes: 0 ok, 1 failure, 2 usage, 3 not found.

#include <fstream>
#include <iostream>
#include <sstream>

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <optional>

#include <CLI/CLI.hpp>

#include "config/config.hpp"
#include "domain/auth.hpp"
#include "domain/log.hpp"
#include "domain/text.hpp"
#include "domain/time.hpp"
#include "persistence/errors.hpp"
#include "persistence/migrations.hpp"
#include "persistence/store.hpp"

namespace tmn = tunemantra;

namespace {

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;
constexpr int exit_not_found = 3;

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

/// The password: from --password-file (first line), else one line from standard input. Never argv.
std::string read_password(const std::string& file) {
  std::string line;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in)
      throw std::runtime_error("cannot read " + file);
    std::getline(in, line);
  } else {
    if (::isatty(0))
      std::cerr << "password: " << std::flush;
    std::getline(std::cin, line);
  }
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  return line;
}

struct user_args {
  std::string username, email, full_name, password_file, role = "artist";
  bool admin = false;
};

int cmd_user_create(const std::string& config_path, const user_args& a) {
  for (const auto& [field, problem] :
       {std::pair{"--username", tmn::domain::check_username(a.username)}, {"--email", tmn::domain::check_email(a.email)}})
    if (problem) {
      std::cerr << "tmctl: " << field << " " << *problem << '\n';
      return exit_usage;
    }
  const auto role = a.admin ? tmn::domain::role::admin : tmn::domain::parse_role(a.role).value_or(tmn::domain::role::artist);
  const auto password = read_password(a.password_file);
  if (auto problem = tmn::domain::check_password(password)) {
    std::cerr << "tmctl: the password " << *problem << '\n';
    return exit_usage;
  }
  const auto cfg = load_config(config_path);
  auto store = tmn::persistence::open_store(cfg.database);
  store->migrate();
  const tmn::domain::new_user nu{a.username, a.email, a.full_name.empty() ? a.username : a.full_name, password, role};
  const auto user = store->accounts().create_user(nu, {cfg.auth.scrypt_log_n, 8, 1});
  if (!user) {
    std::cerr << "tmctl: the username " << a.username << " is taken\n";
    return exit_failure;
  }
  tmn::domain::audit_entry e;
  e.at = tmn::domain::now_millis();
  e.action = "register";
  e.target = user->username;
  e.ip = "tmctl";
  store->accounts().audit(e);
  std::cout << "created user " << user->id << " " << user->username << " (" << tmn::domain::to_string(user->user_role)
            << ")\n";
  return 0;
}

struct key_args {
  std::string user, scopes, name = "tmctl", expires, output = "table";
};

int cmd_keys_create(const std::string& config_path, const key_args& a) {
  const auto scopes = tmn::domain::split(a.scopes, ',');
  std::optional<tmn::domain::millis> expires;
  if (!a.expires.empty()) {
    expires = tmn::domain::parse_rfc3339(a.expires);
    if (!expires || *expires <= tmn::domain::now_millis()) {
      std::cerr << "tmctl: --expires must be a future RFC 3339 time\n";
      return exit_usage;
    }
  }
  const auto cfg = load_config(config_path);
  auto store = tmn::persistence::open_store(cfg.database);
  store->migrate();
  const auto user = store->accounts().find_user_by_name(a.user);
  if (!user) {
    std::cerr << "tmctl: no user " << a.user << '\n';
    return exit_not_found;
  }
  const auto owner = tmn::domain::scopes_of(user->user_role);
  for (const auto& scope : scopes)
    if (!tmn::domain::is_scope(scope) || !tmn::domain::has_scope(owner, scope)) {
      std::cerr << "tmctl: " << a.user << " cannot hold the scope " << scope << '\n';
      return exit_usage;
    }
  if (scopes.empty()) {
    std::cerr << "tmctl: --scopes names no scope\n";
    return exit_usage;
  }
  const auto created = store->accounts().create_key(user->id, a.name, scopes, expires);
  tmn::domain::audit_entry e;
  e.at = tmn::domain::now_millis();
  e.action = "key_created";
  e.target = created.key.prefix;
  e.ip = "tmctl";
  store->accounts().audit(e);
  if (a.output == "json") {
    nlohmann::json out = {{"id", created.key.id}, {"name", created.key.name}, {"scopes", scopes},
                          {"prefix", created.key.prefix}, {"key", created.secret}, {"user", user->username}};
    std::cout << out.dump() << '\n';
  } else {
    std::cout << "id      " << created.key.id << "\nprefix  " << created.key.prefix << "\nscopes  " << a.scopes
              << "\nkey     " << created.secret << "\n(the key is shown this once)\n";
  }
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

  user_args ua;
  auto* user = app.add_subcommand("user", "manage users (offline, against the database)");
  user->require_subcommand(1);
  auto* user_create = user->add_subcommand("create", "create a user; the password comes from stdin or --password-file");
  user_create->add_option("--username", ua.username, "3-32 of [a-z0-9_.-]")->required();
  user_create->add_option("--email", ua.email, "email address")->required();
  user_create->add_option("--full-name", ua.full_name, "display name (default: the username)");
  user_create->add_option("--password-file", ua.password_file, "read the password from this file's first line")
    ->check(CLI::ExistingFile);
  user_create->add_option("--role", ua.role, "admin, label or artist")->check(CLI::IsMember({"admin", "label", "artist"}));
  user_create->add_flag("--admin", ua.admin, "same as --role admin");

  key_args ka;
  auto* keys = app.add_subcommand("keys", "manage API keys (offline, against the database)");
  keys->require_subcommand(1);
  auto* keys_create = keys->add_subcommand("create", "create an API key for a user");
  keys_create->add_option("--user", ka.user, "the owner's username")->required();
  keys_create->add_option("--scopes", ka.scopes, "comma-separated scopes, e.g. catalog:read,distribution:write")
    ->required();
  keys_create->add_option("--name", ka.name, "a label for the key");
  keys_create->add_option("--expires", ka.expires, "RFC 3339 expiry time");
  keys_create->add_option("--output", ka.output, "table or json")->check(CLI::IsMember({"table", "json"}));

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
    if (user_create->parsed())
      return cmd_user_create(config_path, ua);
    if (keys_create->parsed())
      return cmd_keys_create(config_path, ka);
  } catch (const tmn::config::config_error& e) {
    std::cerr << e.what() << '\n';
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "tmctl: " << e.what() << '\n';
    return exit_failure;
  }
  return exit_usage;
}
