#include "tools/remote.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <csignal>
#include <fstream>
#include <iostream>
#include <set>
#include <thread>

#include <unistd.h>

#include "domain/auth.hpp"
#include "domain/text.hpp"
#include "domain/time.hpp"
#include "tools/output.hpp"

namespace tunemantra::tmctl {

client& remote_context::api() {
  if (!client_)
    client_ = std::make_unique<client>(resolve_settings(url_flag, key_flag));
  return *client_;
}

static std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

/// "?a=1&b=x" from the pairs whose value is not empty.
std::string query(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out;
  for (const auto& [k, v] : pairs)
    if (!v.empty())
      out += (out.empty() ? "?" : "&") + k + "=" + url_encode(v);
  return out;
}

/// A string field, "" when missing or null (value() throws on null).
std::string text_of(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

void print_json(const json& j) { std::cout << j.dump(2) << '\n'; }

namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_interrupt(int) { interrupted = true; }

/// Ctrl-C sets `interrupted` instead of killing tmctl (no SA_RESTART: a blocked read returns).
void catch_interrupt() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
}

std::string progress_text(const json& job) {
  const auto& p = job.value("progress", json::object());
  std::string text = std::to_string(p.value("done", 0LL)) + "/" + std::to_string(p.value("total", 0LL));
  if (p.value("failed", 0LL) > 0)
    text += " (" + std::to_string(p.value("failed", 0LL)) + " failed)";
  return text;
}

bool is_terminal(const std::string& status) {
  return status == "succeeded" || status == "partially_failed" || status == "failed" || status == "cancelled";
}

/// Platform ids from "1,spotify,3": numbers as they are, codes looked up.
std::vector<long long> platform_ids(remote_context& ctx, const std::string& list) {
  std::vector<long long> out;
  json platforms;
  for (const auto& item : domain::split(list, ',')) {
    const std::string name{domain::trim(item)};
    if (name.empty())
      continue;
    if (std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); })) {
      out.push_back(std::stoll(name));
      continue;
    }
    if (platforms.is_null())
      platforms = ctx.api().get("/api/platforms").data();
    const auto it = std::find_if(platforms.begin(), platforms.end(), [&](const json& p) { return text_of(p, "code") == name; });
    if (it == platforms.end())
      throw command_error(exit_not_found, "no platform with the code " + name);
    out.push_back((*it)["id"].get<long long>());
  }
  if (out.empty())
    throw command_error(exit_usage, "--platforms names no platform");
  return out;
}

long long platform_id(remote_context& ctx, const std::string& id_or_code) { return platform_ids(ctx, id_or_code).front(); }

void optional_time(json& body, const std::string& key, const std::string& value, const std::string& flag) {
  if (value.empty())
    return;
  if (!domain::parse_rfc3339(value))
    throw command_error(exit_usage, flag + " must be an RFC 3339 time, e.g. 2027-01-01T00:00:00Z");
  body[key] = value;
}

// --- status ---------------------------------------------------------------------------------

int cmd_status(remote_context& ctx) {
  const auto s = ctx.api().get("/api/status").data();
  if (ctx.output == "json")
    return print_json(s), exit_ok;
  const auto up = s.value("uptimeSeconds", 0LL);
  const std::string uptime = std::to_string(up / 86400) + "d " + std::to_string(up / 3600 % 24) + "h "
                             + std::to_string(up / 60 % 60) + "m " + std::to_string(up % 60) + "s";
  const auto& db = s["database"];
  std::string jobs;
  for (const auto& [status, count] : s["jobs"]["byStatus"].items())
    jobs += (jobs.empty() ? "" : ", ") + status + " " + count.dump();
  print_pairs(std::cout, {{"daemon", ctx.api().url() + " (tunemantrad " + s.value("version", "?") + ")"},
                          {"health", s.value("status", "?")},
                          {"uptime", uptime + " (since " + s.value("startedAt", "?") + ")"},
                          {"database", db.value("backend", "?") + ", schema " + db["schemaVersion"].dump() + ", "
                                         + db["poolInUse"].dump() + "/" + db["poolSize"].dump() + " connections in use"},
                          {"job actors", s["actors"]["jobActors"].dump() + " (" + s["actors"]["restarts"].dump() + " restarts)"},
                          {"jobs", jobs.empty() ? "none" : jobs}});
  std::cout << "\nplatforms\n";
  print_table(std::cout, s["platforms"],
              {field("ID", "id"), field("CODE", "code"), field("NAME", "name"), field("STATE", "state"),
               field("CONCURRENCY", "maxConcurrency"), field("RATE/MIN", "ratePerMinute")});
  return exit_ok;
}

// --- cluster --------------------------------------------------------------------------------

int cmd_cluster(remote_context& ctx) {
  const auto c = ctx.api().get("/api/cluster").data();
  if (ctx.output == "json")
    return print_json(c), exit_ok;
  const auto& load = c["load"];
  print_pairs(std::cout, {{"answered by", cell(c["node"])},
                          {"leader", c["leader"].is_object() ? cell(c["leader"]["node"]) + " (epoch " + cell(c["leader"]["epoch"])
                                                                 + ", since " + cell(c["leader"]["since"]) + ")"
                                                             : "none (elected within a lease)"},
                          {"lease", cell(c["leaseMs"]) + " ms, renewed every " + cell(c["heartbeatMs"]) + " ms"},
                          {"jobs to run", cell(load["jobsToRun"]) + " (" + cell(load["unclaimed"]) + " unclaimed, "
                                            + cell(load["expired"]) + " with an expired lease)"}});
  std::cout << "\nnodes\n";
  print_table(std::cout, c["nodes"],
              {field("ID", "id"), field("STATE", "state"), {"LEADER", [](const json& n) { return n.value("leader", false) ? "yes" : ""; }},
               field("JOBS", "jobs"), field("HOST", "host"), field("PID", "pid"), field("VERSION", "version"),
               field("HEARTBEAT", "heartbeatAt"), field("STARTED", "startedAt")});
  std::cout << "\nleases\n";
  print_table(std::cout, c["leases"],
              {field("JOB", "jobId"), field("KIND", "kind"), field("STATUS", "status"), field("OWNER", "owner"),
               field("EPOCH", "epoch"), field("STATE", "state"), field("EXPIRES", "expiresAt")});
  return exit_ok;
}

// --- jobs -----------------------------------------------------------------------------------

const std::vector<column>& job_columns() {
  static const std::vector<column> columns = {
    field("ID", "id"), field("KIND", "kind"), field("STATUS", "status"),
    {"PROGRESS", [](const json& j) { return progress_text(j); }}, field("CREATED", "createdAt"),
    field("FINISHED", "finishedAt")};
  return columns;
}

void print_job(const json& j) {
  print_pairs(std::cout, {{"id", cell(j["id"])},
                          {"kind", cell(j["kind"])},
                          {"status", cell(j["status"])},
                          {"progress", progress_text(j)},
                          {"attempts", cell(j["attempts"])},
                          {"created", cell(j["createdAt"])},
                          {"started", cell(j["startedAt"])},
                          {"finished", cell(j["finishedAt"])},
                          {"error", cell(j["error"])}});
  if (j.contains("result") && !j["result"].is_null())
    std::cout << "result\n" << j["result"].dump(2) << '\n';
}

int cmd_job_action(remote_context& ctx, long long id, const std::string& action) {
  const auto j = ctx.api().post("/api/jobs/" + std::to_string(id) + "/" + action, json::object()).data();
  if (ctx.output == "json")
    return print_json(j), exit_ok;
  std::cout << "job " << id << ": " << cell(j["status"]) << (action == "cancel" ? " (cancel requested)" : " (retrying)")
            << '\n';
  return exit_ok;
}

// --- bulk -----------------------------------------------------------------------------------

/// Release ids from a file: one per line (or comma-separated), blank lines and # comments skipped.
std::vector<long long> read_release_ids(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw command_error(exit_usage, "cannot read " + path);
  std::vector<long long> ids;
  std::set<long long> seen;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (const auto hash = line.find('#'); hash != std::string::npos)
      line.erase(hash);
    for (const auto& item : domain::split(line, ',')) {
      const auto text = domain::trim(item);
      if (text.empty())
        continue;
      long long id = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
      if (ec != std::errc{} || end != text.data() + text.size() || id <= 0)
        throw command_error(exit_usage, path + ":" + std::to_string(number) + ": \"" + std::string(text)
                                          + "\" is not a release id (a positive whole number)");
      if (seen.insert(id).second)
        ids.push_back(id);
    }
  }
  if (ids.empty())
    throw command_error(exit_usage, path + " names no release");
  if (ids.size() > 10000)
    throw command_error(exit_usage, path + " names " + std::to_string(ids.size()) + " releases; a bulk job takes at most 10000");
  return ids;
}

void print_bulk_result(const json& job) {
  const auto& r = job.value("result", json::object());
  if (!r.is_object() || !r.contains("releases"))
    return;
  const auto& rel = r["releases"];
  const auto& del = r["deliveries"];
  std::cout << "releases    " << rel.value("queued", 0) << " queued, " << rel.value("invalid", 0) << " refused, of "
            << rel.value("total", 0) << "\n"
            << "deliveries  " << del.value("sent", 0) << " sent, " << del.value("failed", 0) << " failed, "
            << del.value("cancelled", 0) << " cancelled, of " << del.value("total", 0) << '\n';
  if (r.contains("invalidReleases") && !r["invalidReleases"].empty()) {
    std::cout << "refused releases\n";
    print_table(std::cout, r["invalidReleases"], {field("RELEASE", "releaseId"), field("REASON", "reason")});
  }
  if (r.contains("failedDeliveries") && !r["failedDeliveries"].empty()) {
    std::cout << "failed deliveries\n";
    print_table(std::cout, r["failedDeliveries"],
                {field("RELEASE", "releaseId"), field("PLATFORM", "platformId"), field("ERROR", "lastError")});
  }
}

// --- users ----------------------------------------------------------------------------------

/// A user id from an id or a username.
long long user_id(remote_context& ctx, const std::string& id_or_name) {
  if (!id_or_name.empty() && std::all_of(id_or_name.begin(), id_or_name.end(), [](unsigned char c) { return std::isdigit(c); }))
    return std::stoll(id_or_name);
  const auto users = ctx.api().get("/api/users" + query({{"search", id_or_name}, {"limit", "100"}})).data();
  for (const auto& u : users)
    if (domain::lower(text_of(u, "username")) == domain::lower(id_or_name))
      return u["id"].get<long long>();
  throw command_error(exit_not_found, "no user " + id_or_name);
}

const std::vector<column>& user_columns() {
  static const std::vector<column> columns = {field("ID", "id"),     field("USERNAME", "username"),
                                               field("EMAIL", "email"), field("ROLE", "role"),
                                               field("STATUS", "status"), field("CREATED", "createdAt")};
  return columns;
}

} // namespace

int watch_job(remote_context& ctx, long long job_id, bool detachable) {
  if (detachable)
    catch_interrupt();
  auto& api = ctx.api();
  api.set_read_timeout_seconds(40);
  progress_bar bar;
  // Short waits on a terminal, so Ctrl-C detaches within two seconds.
  const int wait = detachable && bar.on_terminal() ? 2 : 20;
  std::string etag, last_status;
  json job;
  for (;;) {
    if (interrupted) {
      bar.finish();
      std::cerr << "detached: job " << job_id << " keeps running; follow it with: tmctl jobs watch " << job_id << '\n';
      return exit_ok;
    }
    answer a;
    try {
      std::map<std::string, std::string> headers;
      if (!etag.empty())
        headers["If-None-Match"] = etag;
      a = api.call("GET", "/api/jobs/" + std::to_string(job_id) + "?waitSeconds=" + std::to_string(wait), std::nullopt,
                   headers);
    } catch (const command_error& e) {
      if (std::string_view(e.what()).starts_with("UNAVAILABLE")) { // too many long-polls: poll later
        std::this_thread::sleep_for(std::chrono::seconds(1));
        continue;
      }
      throw;
    }
    if (a.status == 304)
      continue;
    job = a.data();
    etag = a.headers.count("ETag") ? a.headers["ETag"] : "";
    const auto status = text_of(job, "status");
    const auto& p = job.value("progress", json::object());
    bar.show(p.value("done", 0LL), p.value("failed", 0LL), p.value("total", 0LL), status);
    if (!bar.on_terminal() && status != last_status)
      std::cerr << "job " << job_id << ": " << status << " " << progress_text(job) << '\n';
    last_status = status;
    if (is_terminal(status))
      break;
  }
  bar.finish();
  if (ctx.output == "json")
    print_json(job);
  else {
    std::cout << "job " << job_id << " " << last_status << ": " << progress_text(job) << '\n';
    if (text_of(job, "kind") == "bulk_distribution")
      print_bulk_result(job);
    if (!text_of(job, "error").empty())
      std::cout << "error: " << text_of(job, "error") << '\n';
  }
  return last_status == "succeeded" ? exit_ok : exit_failure;
}

void add_remote_commands(CLI::App& app, remote_context& ctx, std::function<int()>& run) {
  // Options kept alive for the parse: CLI11 binds to these.
  struct options {
    long long id = 0;
    std::string text, kind, status, search, platforms, at, file, name, scopes, expires, role = "artist";
    std::string email, full_name, password_file, type, path, ack_path, dpid, recipient, url, auth_header;
    std::vector<std::string> settings, setting_files;
    int page = 1, limit = 20, max_concurrency = 0, rate = 0, attempts = 0, timeout_ms = 0;
    long long after = 0;
    bool wait = false, detach = false, paused = false;
  };
  static options o;
  const auto set = [&run](CLI::App* cmd, std::function<int()> fn) { cmd->callback([&run, fn] { run = fn; }); };
  auto& c = ctx;
  const auto paging = [](CLI::App* cmd, const std::string& what) {
    cmd->add_option("--page", o.page, "page (from 1)")->check(CLI::PositiveNumber);
    cmd->add_option("--limit", o.limit, what + " per page (1-100)")->check(CLI::Range(1, 100));
  };

  set(app.add_subcommand("status", "health, version, uptime, jobs by status and platform states"),
      [&c] { return cmd_status(c); });
  set(app.add_subcommand("cluster", "nodes sharing the database, the leader and who holds each job's lease (admin)"),
      [&c] { return cmd_cluster(c); });

  // jobs
  auto* jobs = app.add_subcommand("jobs", "list, inspect, follow, cancel and retry jobs");
  jobs->require_subcommand(1);
  auto* jobs_list = jobs->add_subcommand("list", "jobs, newest first");
  jobs_list->add_option("--kind", o.kind, "only this kind (distribution, bulk_distribution, ...)");
  jobs_list->add_option("--status", o.status, "only this status");
  paging(jobs_list, "jobs");
  set(jobs_list, [&c] {
    const auto a = c.api().get("/api/jobs" + query({{"kind", o.kind}, {"status", o.status}, {"page", std::to_string(o.page)},
                                                     {"limit", std::to_string(o.limit)}}));
    if (c.output == "json")
      return print_json(a.body), exit_ok;
    print_table(std::cout, a.data(), job_columns());
    if (a.body.contains("meta"))
      std::cout << "page " << a.body["meta"].value("page", 1) << ", " << a.body["meta"].value("total", 0) << " in all\n";
    return exit_ok;
  });
  auto* jobs_show = jobs->add_subcommand("show", "one job with its result");
  jobs_show->add_option("id", o.id, "job id")->required();
  set(jobs_show, [&c] {
    const auto j = c.api().get("/api/jobs/" + std::to_string(o.id)).data();
    if (c.output == "json")
      return print_json(j), exit_ok;
    print_job(j);
    return exit_ok;
  });
  auto* jobs_events = jobs->add_subcommand("events", "a job's events, oldest first");
  jobs_events->add_option("id", o.id, "job id")->required();
  jobs_events->add_option("--after", o.after, "only events after this event id");
  jobs_events->add_option("--limit", o.limit, "events (1-1000)")->check(CLI::Range(1, 1000));
  set(jobs_events, [&c] {
    const auto events = c.api()
                          .get("/api/jobs/" + std::to_string(o.id) + "/events"
                               + query({{"after", std::to_string(o.after)}, {"limit", std::to_string(o.limit)}}))
                          .data();
    if (c.output == "json")
      return print_json(events), exit_ok;
    print_table(std::cout, events, {field("ID", "id"), field("AT", "at"), field("TYPE", "type"), field("MESSAGE", "message")});
    return exit_ok;
  });
  auto* jobs_cancel = jobs->add_subcommand("cancel", "stop a job; finished deliveries stay");
  jobs_cancel->add_option("id", o.id, "job id")->required();
  set(jobs_cancel, [&c] { return cmd_job_action(c, o.id, "cancel"); });
  auto* jobs_retry = jobs->add_subcommand("retry", "run a failed job's failed items again (admin)");
  jobs_retry->add_option("id", o.id, "job id")->required();
  set(jobs_retry, [&c] { return cmd_job_action(c, o.id, "retry"); });
  auto* jobs_watch = jobs->add_subcommand("watch", "follow a job until it ends (exit 0 when it succeeded)");
  jobs_watch->add_option("id", o.id, "job id")->required();
  set(jobs_watch, [&c] { return watch_job(c, o.id, true); });

  // platforms
  auto* platforms = app.add_subcommand("platforms", "list, add, pause and resume platforms");
  platforms->require_subcommand(1);
  set(platforms->add_subcommand("list", "every platform and its limits"), [&c] {
    const auto list = c.api().get("/api/platforms").data();
    if (c.output == "json")
      return print_json(list), exit_ok;
    print_table(std::cout, list,
                {field("ID", "id"), field("CODE", "code"), field("NAME", "name"),
                 {"STATE", [](const json& p) { return std::string(p.value("enabled", false) ? "active" : "paused"); }},
                 {"CONNECTOR", [](const json& p) { return cell(p["connector"]["type"]); }},
                 field("CONCURRENCY", "maxConcurrency"), field("RATE/MIN", "ratePerMinute"), field("ATTEMPTS", "maxAttempts")});
    return exit_ok;
  });
  set(platforms->add_subcommand("types", "the connector types and their settings"), [&c] {
    const auto types = c.api().get("/api/connector-types").data();
    if (c.output == "json")
      return print_json(types), exit_ok;
    print_table(std::cout, types,
                {field("TYPE", "type"),
                 {"REQUIRED SETTINGS", [](const json& t) {
                    std::string out;
                    for (const auto& key : t["settings"].value("required", json::array()))
                      if (key != "type")
                        out += (out.empty() ? "" : " ") + key.get<std::string>();
                    return out;
                  }},
                 field("SUMMARY", "summary")});
    return exit_ok;
  });
  auto* platforms_add = platforms->add_subcommand("add", "add a platform (admin)");
  platforms_add->add_option("--code", o.text, "short unique code, e.g. spotify")->required();
  platforms_add->add_option("--name", o.name, "display name")->required();
  platforms_add->add_option("--type", o.type, "connector type (tmctl platforms types lists them)")->required();
  platforms_add->add_option("--setting", o.settings, "a connector setting, key=value (a number, true/false or JSON is sent as such); repeatable");
  platforms_add->add_option("--setting-file", o.setting_files, "a secret setting read from a file, key=path (password, authHeader); repeatable");
  platforms_add->add_option("--path", o.path, "setting path: the folder batches go to");
  platforms_add->add_option("--ack-path", o.ack_path, "setting ackPath: the folder acknowledgements come back to");
  platforms_add->add_option("--recipient-dpid", o.dpid, "setting recipientDpid: the platform's DDEX party id");
  platforms_add->add_option("--recipient-name", o.recipient, "setting recipientName: the platform's DDEX name");
  platforms_add->add_option("--url", o.url, "setting url: where the http connector POSTs deliveries");
  platforms_add->add_option("--auth-header", o.auth_header, "setting authHeader: Authorization header value (http)");
  platforms_add->add_option("--timeout-ms", o.timeout_ms, "setting timeoutMs");
  platforms_add->add_option("--max-concurrency", o.max_concurrency, "deliveries in flight at once");
  platforms_add->add_option("--rate-per-minute", o.rate, "deliveries started per minute");
  platforms_add->add_option("--max-attempts", o.attempts, "attempts before a delivery fails");
  platforms_add->add_flag("--paused", o.paused, "add it paused");
  set(platforms_add, [&c] {
    // The server checks the settings against the connector type's own rules (GET /api/connector-types).
    json connector = {{"type", o.type}};
    const std::pair<const char*, const std::string*> named[] = {{"path", &o.path}, {"ackPath", &o.ack_path},
                                                                {"recipientDpid", &o.dpid}, {"recipientName", &o.recipient},
                                                                {"url", &o.url}, {"authHeader", &o.auth_header}};
    for (const auto& [key, value] : named)
      if (!value->empty())
        connector[key] = *value;
    if (o.timeout_ms > 0)
      connector["timeoutMs"] = o.timeout_ms;
    auto split_setting = [](const std::string& item) {
      const auto eq = item.find('=');
      if (eq == std::string::npos || eq == 0)
        throw command_error(exit_usage, "a setting is key=value, not " + item);
      return std::make_pair(item.substr(0, eq), item.substr(eq + 1));
    };
    for (const auto& item : o.settings) {
      auto [key, value] = split_setting(item);
      const auto parsed = json::parse(value, nullptr, false);
      connector[key] = parsed.is_discarded() || parsed.is_string() ? json(value) : parsed;
    }
    for (const auto& item : o.setting_files) {
      auto [key, file] = split_setting(item);
      std::ifstream in(file, std::ios::binary);
      if (!in)
        throw command_error(exit_usage, "cannot read " + file);
      std::string value((std::istreambuf_iterator<char>(in)), {});
      while (!value.empty() && (value.back() == '\n' || value.back() == '\r'))
        value.pop_back();
      connector[key] = value;
    }
    json body = {{"code", o.text}, {"name", o.name}, {"enabled", !o.paused}, {"connector", connector}};
    if (o.max_concurrency > 0)
      body["maxConcurrency"] = o.max_concurrency;
    if (o.rate > 0)
      body["ratePerMinute"] = o.rate;
    if (o.attempts > 0)
      body["maxAttempts"] = o.attempts;
    const auto p = c.api().post("/api/platforms", body).data();
    if (c.output == "json")
      return print_json(p), exit_ok;
    std::cout << "added platform " << cell(p["id"]) << " " << cell(p["code"]) << '\n';
    return exit_ok;
  });
  for (const bool enable : {false, true}) {
    auto* cmd = platforms->add_subcommand(enable ? "resume" : "pause",
                                          enable ? "resume deliveries to a platform (admin)"
                                                 : "hold deliveries to a platform; queued ones wait (admin)");
    cmd->add_option("platform", o.text, "platform id or code")->required();
    set(cmd, [&c, enable] {
      const auto id = platform_id(c, o.text);
      const auto p = c.api().call("PATCH", "/api/platforms/" + std::to_string(id), json{{"enabled", enable}}).data();
      if (c.output == "json")
        return print_json(p), exit_ok;
      std::cout << "platform " << id << " " << cell(p["code"]) << ": " << (enable ? "active" : "paused") << '\n';
      return exit_ok;
    });
  }

  // releases
  auto* releases = app.add_subcommand("releases", "show, validate, distribute and take down releases");
  releases->require_subcommand(1);
  auto* releases_show = releases->add_subcommand("show", "a release and where it is delivered");
  releases_show->add_option("id", o.id, "release id")->required();
  set(releases_show, [&c] {
    const auto base = "/api/releases/" + std::to_string(o.id);
    const auto r = c.api().get(base).data();
    const auto d = c.api().get(base + "/distributions").data();
    if (c.output == "json")
      return print_json({{"release", r}, {"distributions", d}}), exit_ok;
    print_pairs(std::cout, {{"id", cell(r["id"])},
                            {"title", cell(r["title"])},
                            {"type", cell(r["type"])},
                            {"status", cell(r.value("status", json()))},
                            {"upc", cell(r["upc"])},
                            {"release date", cell(r.value("releaseDate", json()))},
                            {"label", cell(r.value("labelName", json()))}});
    std::cout << "\ndistributions\n";
    print_table(std::cout, d,
                {field("PLATFORM", "platformId"), field("STATUS", "status"), field("ATTEMPTS", "attempts"),
                 field("DELIVERED", "deliveredAt"), field("MESSAGE ID", "messageId"), field("LAST ERROR", "lastError")});
    return exit_ok;
  });
  auto* releases_validate = releases->add_subcommand("validate", "check a release is ready (exit 0 ready, 1 not)");
  releases_validate->add_option("id", o.id, "release id")->required();
  set(releases_validate, [&c] {
    const auto v = c.api().post("/api/releases/" + std::to_string(o.id) + "/validate", json::object()).data();
    const bool ready = v.value("ready", false);
    if (c.output == "json")
      print_json(v);
    else {
      std::cout << "release " << o.id << (ready ? " is ready" : " is not ready") << '\n';
      if (!v["issues"].empty())
        print_table(std::cout, v["issues"],
                    {field("SEVERITY", "severity"), field("CODE", "code"), field("FIELD", "field"), field("MESSAGE", "message")});
    }
    return ready ? exit_ok : exit_failure;
  });
  for (const std::string action : {"distribute", "takedown"}) {
    auto* cmd = releases->add_subcommand(action, action == "distribute" ? "deliver a release to platforms"
                                                                        : "take a release down from platforms");
    cmd->add_option("id", o.id, "release id")->required();
    cmd->add_option("--platforms", o.platforms, "platform ids or codes, comma-separated")->required();
    if (action == "distribute")
      cmd->add_option("--at", o.at, "deliver at this RFC 3339 time instead of now");
    cmd->add_flag("--wait", o.wait, "follow the job until it ends");
    set(cmd, [&c, action] {
      json body = {{"platformIds", platform_ids(c, o.platforms)}};
      optional_time(body, "scheduledAt", o.at, "--at");
      const auto path = "/api/releases/" + std::to_string(o.id) + (action == "distribute" ? "/distributions" : "/takedown");
      const auto j = c.api().post(path, body).data();
      if (!o.wait && c.output == "json")
        return print_json(j), exit_ok;
      std::cout << cell(j["kind"]) << " job " << cell(j["id"]) << " " << cell(j["status"]) << '\n';
      return o.wait ? watch_job(c, j["id"].get<long long>(), true) : exit_ok;
    });
  }

  // bulk
  auto* bulk = app.add_subcommand("bulk", "bulk distributions");
  bulk->require_subcommand(1);
  auto* bulk_submit = bulk->add_subcommand(
    "submit", "distribute up to 10000 releases and follow the job (Ctrl-C detaches; the job keeps running)");
  bulk_submit->add_option("--file", o.file, "release ids, one per line (# comments allowed)")->required();
  bulk_submit->add_option("--platforms", o.platforms, "platform ids or codes, comma-separated")->required();
  bulk_submit->add_option("--at", o.at, "deliver at this RFC 3339 time instead of now");
  bulk_submit->add_flag("--detach", o.detach, "print the job id and return at once");
  set(bulk_submit, [&c] {
    const auto ids = read_release_ids(o.file);
    json body = {{"releaseIds", ids}, {"platformIds", platform_ids(c, o.platforms)}};
    optional_time(body, "scheduledAt", o.at, "--at");
    const auto j = c.api().post("/api/bulk-distributions", body).data();
    const auto id = j["id"].get<long long>();
    if (o.detach) {
      if (c.output == "json")
        print_json(j);
      else
        std::cout << "bulk job " << id << " queued: " << ids.size() << " releases x " << body["platformIds"].size()
                  << " platforms\n";
      return exit_ok;
    }
    std::cerr << "bulk job " << id << " queued: " << ids.size() << " releases x " << body["platformIds"].size()
              << " platforms (Ctrl-C detaches)\n";
    return watch_job(c, id, true);
  });

  // users (REST; `user create` is the offline one)
  auto* users = app.add_subcommand("users", "list, create, disable and enable users (admin)");
  users->require_subcommand(1);
  auto* users_list = users->add_subcommand("list", "users");
  users_list->add_option("--status", o.status, "active or disabled");
  users_list->add_option("--search", o.search, "part of a username, email or name");
  paging(users_list, "users");
  set(users_list, [&c] {
    const auto a = c.api().get("/api/users" + query({{"status", o.status}, {"search", o.search},
                                                      {"page", std::to_string(o.page)}, {"limit", std::to_string(o.limit)}}));
    if (c.output == "json")
      return print_json(a.body), exit_ok;
    print_table(std::cout, a.data(), user_columns());
    return exit_ok;
  });
  auto* users_create = users->add_subcommand("create", "create a user; the password comes from stdin or --password-file");
  users_create->add_option("--username", o.text, "3-32 of [a-z0-9_.-]")->required();
  users_create->add_option("--email", o.email, "email address")->required();
  users_create->add_option("--full-name", o.full_name, "display name (default: the username)");
  users_create->add_option("--role", o.role, "admin, label or artist")->check(CLI::IsMember({"admin", "label", "artist"}));
  users_create->add_option("--password-file", o.password_file, "read the password from this file's first line")
    ->check(CLI::ExistingFile);
  set(users_create, [&c] {
    const auto password = read_secret_line(o.password_file);
    json body = {{"username", o.text}, {"email", o.email}, {"password", password}, {"confirmPassword", password},
                 {"fullName", o.full_name.empty() ? o.text : o.full_name}};
    auto u = c.api().post("/api/auth/register", body).data();
    if (o.role != "artist")
      u = c.api().call("PATCH", "/api/users/" + cell(u["id"]), json{{"role", o.role}}).data();
    if (c.output == "json")
      return print_json(u), exit_ok;
    std::cout << "created user " << cell(u["id"]) << " " << cell(u["username"]) << " (" << cell(u["role"]) << ")\n";
    return exit_ok;
  });
  for (const bool enable : {false, true}) {
    auto* cmd = users->add_subcommand(enable ? "enable" : "disable",
                                      enable ? "let a user sign in again" : "disable a user; their sessions and keys stop at once");
    cmd->add_option("user", o.text, "user id or username")->required();
    set(cmd, [&c, enable] {
      const auto id = user_id(c, o.text);
      const auto u = c.api().call("PATCH", "/api/users/" + std::to_string(id), json{{"status", enable ? "active" : "disabled"}}).data();
      if (c.output == "json")
        return print_json(u), exit_ok;
      std::cout << "user " << id << " " << cell(u["username"]) << ": " << cell(u["status"]) << '\n';
      return exit_ok;
    });
  }
}

} // namespace tunemantra::tmctl
