#pragma once
// tmctl's REST subcommands: status, jobs, platforms, releases, bulk, users, keys (the API-key ones;
// the offline ones live in offline.hpp).

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "tools/client.hpp"

namespace tunemantra::tmctl {

struct remote_context {
  std::string url_flag, key_flag;
  std::string output = "table"; ///< table or json
  /// The client, made on first use from the flags, environment and tmctl config.
  client& api();

private:
  std::unique_ptr<client> client_;
};

/// "?a=1&b=x" from the pairs whose value is not empty (values URL-encoded).
std::string query(const std::vector<std::pair<std::string, std::string>>& pairs);
/// A string field, "" when missing or null.
std::string text_of(const json& j, const char* key);
void print_json(const json& j);

/// Adds the sales and royalties subcommands (tools/money_commands.cpp).
void add_money_commands(CLI::App& app, remote_context& ctx, std::function<int()>& run);

/// Adds the REST subcommands to `app`; the one that parses sets `run`.
void add_remote_commands(CLI::App& app, remote_context& ctx, std::function<int()>& run);

/// Follows a job until it ends (long-polls), with a progress bar on a terminal. With `detachable`,
/// Ctrl-C leaves the job running and returns 0. Returns 0 when the job succeeded, else 1.
int watch_job(remote_context& ctx, long long job_id, bool detachable);

} // namespace tunemantra::tmctl
