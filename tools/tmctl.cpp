// tmctl: the operator's admin CLI. Most commands talk to tunemantrad's REST API with an API key
// (tools/remote.cpp); the offline ones (migrate, user create, keys create --user) work on the
// database directly and may run beside a running daemon. Exit codes: 0 ok, 1 failure, 2 usage,
// 3 not found.

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
#include "tools/client.hpp"
#include "tools/output.hpp"
#include "tools/remote.hpp"

namespace tmn = tunemantra;

namespace {

using tmn::tmctl::exit_failure;
using tmn::tmctl::exit_not_found;
using tmn::tmctl::exit_usage;
using tmn::tmctl::json;

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
  const auto password = tmn::tmctl::read_secret_line(a.password_file);
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
  long long id = 0;
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

/// keys create without --user: a key for the caller, through the API.
int cmd_keys_create_remote(tmn::tmctl::remote_context& ctx, const key_args& a) {
  json body = {{"name", a.name}, {"scopes", tmn::domain::split(a.scopes, ',')}};
  if (!a.expires.empty())
    body["expiresAt"] = a.expires;
  const auto k = ctx.api().post("/api/api-keys", body).data();
  if (ctx.output == "json") {
    std::cout << k.dump(2) << '\n';
    return 0;
  }
  std::cout << "id      " << k["id"] << "\nprefix  " << tmn::tmctl::cell(k["prefix"]) << "\nscopes  " << a.scopes
            << "\nkey     " << tmn::tmctl::cell(k["key"]) << "\n(the key is shown this once)\n";
  return 0;
}

/// `tmctl completion bash`: a completion script made from the command tree, so it never drifts.
void print_bash_completion(const CLI::App& app) {
  std::string cases;
  const auto walk = [&](const auto& self, const CLI::App* cmd, const std::string& path) -> void {
    std::string words;
    for (const auto* sub : cmd->get_subcommands({}))
      words += sub->get_name() + " ";
    for (const auto* opt : cmd->get_options())
      for (const auto& name : opt->get_lnames())
        words += "--" + name + " ";
    cases += "    \"" + path + "\") words=\"" + words + "\" ;;\n";
    for (const auto* sub : cmd->get_subcommands({}))
      self(self, sub, path.empty() ? sub->get_name() : path + " " + sub->get_name());
  };
  walk(walk, &app, "");
  std::cout << "# bash completion for tmctl: source <(tmctl completion bash)\n"
               "_tmctl() {\n"
               "  local cur=${COMP_WORDS[COMP_CWORD]} path=\"\" words=\"\" i w\n"
               "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
               "    w=${COMP_WORDS[i]}\n"
               "    [[ $w == -* ]] && continue\n"
               "    case \"${path:+$path }$w\" in\n"
            << [&] {
                 std::string known;
                 for (std::size_t at = 0; (at = cases.find("    \"", at)) != std::string::npos; ++at) {
                   const auto end = cases.find('"', at + 5);
                   const auto p = cases.substr(at + 5, end - at - 5);
                   if (!p.empty())
                     known += "      \"" + p + "\") path=\"" + p + "\" ;;\n";
                 }
                 return known;
               }()
            << "    esac\n"
               "  done\n"
               "  case \"$path\" in\n"
            << cases
            << "  esac\n"
               "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
               "}\n"
               "complete -F _tmctl tmctl\n";
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"tmctl: TuneMantra admin CLI. REST commands use --url/TMCTL_URL and --api-key/TMCTL_API_KEY "
               "(or url and api_key in ~/.config/tmctl/config.toml)."};
  app.require_subcommand(1);
  app.fallthrough(); // global options may follow the subcommand: tmctl jobs list --output json
  std::string config_path;
  app.add_option("-c,--config", config_path, "tunemantrad TOML configuration (for offline commands)")
    ->check(CLI::ExistingFile);
  app.set_version_flag("--version", "tmctl " TM_VERSION);
  tmn::tmctl::remote_context ctx;
  app.add_option("--url", ctx.url_flag, "tunemantrad base URL (default http://127.0.0.1:8080)");
  app.add_option("--api-key", ctx.key_flag, "API key (prefer TMCTL_API_KEY: arguments show in ps)");
  app.add_option("-o,--output", ctx.output, "table or json")->check(CLI::IsMember({"table", "json"}));

  std::function<int()> run;
  tmn::tmctl::add_remote_commands(app, ctx, run);
  tmn::tmctl::add_money_commands(app, ctx, run);

  bool status_only = false;
  auto* migrate = app.add_subcommand("migrate", "apply database migrations (offline, against the database)");
  migrate->add_flag("--status", status_only, "only print the schema version");

  user_args ua;
  auto* user = app.add_subcommand("user", "create a user (offline, against the database; e.g. the first admin)");
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
  auto* keys = app.add_subcommand("keys", "API keys: yours through the API, or any user's offline with --user");
  keys->require_subcommand(1);
  auto* keys_create = keys->add_subcommand("create", "create an API key (with --user: offline, for that user)");
  keys_create->add_option("--user", ka.user, "offline: the owner's username (needs the database config)");
  keys_create->add_option("--scopes", ka.scopes, "comma-separated scopes, e.g. catalog:read,distribution:write")
    ->required();
  keys_create->add_option("--name", ka.name, "a label for the key");
  keys_create->add_option("--expires", ka.expires, "RFC 3339 expiry time");
  auto* keys_list = keys->add_subcommand("list", "your API keys (no secrets)");
  auto* keys_revoke = keys->add_subcommand("revoke", "revoke one of your API keys at once");
  keys_revoke->add_option("id", ka.id, "key id")->required();

  auto* completion = app.add_subcommand("completion", "print a shell completion script");
  std::string shell;
  completion->add_option("shell", shell, "bash")->required()->check(CLI::IsMember({"bash"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : exit_usage;
  }
  tmn::log::set_level(tmn::log::level::warn);
  try {
    if (run)
      return run();
    if (completion->parsed()) {
      print_bash_completion(app);
      return 0;
    }
    if (migrate->parsed())
      return cmd_migrate(config_path, status_only);
    if (user_create->parsed())
      return cmd_user_create(config_path, ua);
    if (keys_create->parsed()) {
      ka.output = ctx.output;
      return ka.user.empty() ? cmd_keys_create_remote(ctx, ka) : cmd_keys_create(config_path, ka);
    }
    if (keys_list->parsed()) {
      const auto list = ctx.api().get("/api/api-keys").data();
      if (ctx.output == "json")
        std::cout << list.dump(2) << '\n';
      else
        tmn::tmctl::print_table(std::cout, list,
                                {tmn::tmctl::field("ID", "id"), tmn::tmctl::field("NAME", "name"),
                                 tmn::tmctl::field("PREFIX", "prefix"), tmn::tmctl::field("SCOPES", "scopes"),
                                 tmn::tmctl::field("EXPIRES", "expiresAt"), tmn::tmctl::field("LAST USED", "lastUsedAt"),
                                 tmn::tmctl::field("REVOKED", "revokedAt")});
      return 0;
    }
    if (keys_revoke->parsed()) {
      ctx.api().call("DELETE", "/api/api-keys/" + std::to_string(ka.id));
      std::cout << "revoked key " << ka.id << '\n';
      return 0;
    }
  } catch (const tmn::tmctl::command_error& e) {
    std::cerr << "tmctl: " << e.what() << '\n';
    return e.code();
  } catch (const tmn::config::config_error& e) {
    std::cerr << e.what() << '\n';
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "tmctl: " << e.what() << '\n';
    return exit_failure;
  }
  return exit_usage;
}
