// Platforms (/api/platforms) and distribution: POST/GET /api/releases/{id}/distributions,
// POST /api/releases/{id}/takedown and /redeliver, POST /api/deliveries/{id}/cancel. Each write
// creates one job plus one delivery per platform in one transaction and answers 202 with the job;
// the supervised distribution actor does the rest.

#include <algorithm>
#include <map>
#include <set>
#include <system_error>

#include <unistd.h>

#include <httplib.h>

#include "domain/release_check.hpp"
#include "domain/time.hpp"
#include "persistence/readiness.hpp"
#include "actors/connectors/connector.hpp"
#include "http/auth.hpp"
#include "http/catalog_json.hpp"
#include "http/envelope.hpp"
#include "http/job_view.hpp"
#include "http/router.hpp"
#include "http/services.hpp"
#include "http/validate.hpp"

namespace tunemantra::http {
namespace {

using nlohmann::json;
using domain::delivery_status;

/// A platform as API users see it: the connector as its type shows it, without secrets.
json platform_json(const domain::platform& p) {
  const auto* c = actors::find_connector(p.connector.type);
  json connector = c ? c->public_view(actors::settings_of(p)) : json{{"type", p.connector.type}};
  return {{"id", p.id},
          {"code", p.code},
          {"name", p.name},
          {"enabled", p.enabled},
          {"maxConcurrency", p.max_concurrency},
          {"ratePerMinute", p.rate_per_minute},
          {"maxAttempts", p.max_attempts},
          {"connector", std::move(connector)},
          {"createdAt", domain::format_rfc3339(p.created_at)},
          {"updatedAt", domain::format_rfc3339(p.updated_at)}};
}

json delivery_json(const domain::delivery& d, const std::string& platform_code) {
  return {{"deliveryId", d.id},
          {"jobId", d.job_id ? json(d.job_id) : json(nullptr)},
          {"platformId", d.platform_id},
          {"platformCode", platform_code},
          {"action", domain::to_string(d.action)},
          {"status", domain::to_string(d.status)},
          {"attempts", d.attempts},
          {"lastError", d.last_error.empty() ? json(nullptr) : json(d.last_error)},
          {"messageId", d.message_id},
          {"batchId", d.batch_id.empty() ? json(nullptr) : json(d.batch_id)},
          {"ackText", d.ack_text.empty() ? json(nullptr) : json(d.ack_text)},
          {"scheduledAt", time_or_null(d.scheduled_at)},
          {"deliveredAt", time_or_null(d.delivered_at)},
          {"acknowledgedAt", time_or_null(d.acknowledged_at)},
          {"updatedAt", domain::format_rfc3339(d.updated_at)}};
}

bool is_code(const std::string& code) {
  return !code.empty() && code.size() <= 40 && std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

/// Applies the platform fields present in the body; `creating` makes code, name and connector required.
void read_platform(json_body& b, domain::platform& p, bool creating) {
  if (creating) {
    if (auto code = b.string("code", true, 1, 40)) {
      p.code = *code;
      if (!is_code(p.code))
        b.invalid("code", "use lower-case letters, digits, - and _");
    }
  }
  if (auto name = b.string("name", creating, 1, 100))
    p.name = *name;
  if (b.has("enabled")) {
    if (b.raw("enabled").is_boolean())
      p.enabled = b.raw("enabled").get<bool>();
    else
      b.invalid("enabled", "must be true or false");
  }
  if (auto n = b.integer("maxConcurrency", false, 1, 1000))
    p.max_concurrency = static_cast<int>(*n);
  if (auto n = b.integer("ratePerMinute", false, 1, 1'000'000))
    p.rate_per_minute = static_cast<int>(*n);
  if (auto n = b.integer("maxAttempts", false, 1, 100))
    p.max_attempts = static_cast<int>(*n);
  if (b.has("connector")) {
    const auto& given = b.raw("connector");
    const auto* c = given.is_object() && given.contains("type") && given["type"].is_string()
                        ? actors::find_connector(given["type"].get<std::string>())
                        : nullptr;
    if (!c) {
      std::string types;
      for (const auto* known : actors::connectors())
        types += (types.empty() ? "" : ", ") + std::string(known->type());
      b.invalid("connector.type", "must be one of " + types);
      return;
    }
    try {
      p.connector = domain::connector_from_stored(c->check(given).dump());
    } catch (const actors::invalid_settings& e) {
      b.invalid("connector." + e.field, e.what());
    }
  } else if (creating) {
    b.invalid("connector", "is required");
  }
}

void add_platform_routes(router& r, services& s) {
  r.add("GET", "/api/connector-types", access::user(), [](const httplib::Request&, httplib::Response& res, const request_ctx&) {
    json items = json::array();
    for (const auto* c : actors::connectors())
      items.push_back({{"type", c->type()}, {"summary", c->summary()}, {"settings", c->schema()}});
    send_data(res, 200, std::move(items), {{"total", items.size()}});
  });
  r.add("GET", "/api/platforms", access::user(), [&s](const httplib::Request&, httplib::Response& res, const request_ctx&) {
    json items = json::array();
    for (const auto& p : s.store.delivery().list_platforms())
      items.push_back(platform_json(p));
    send_data(res, 200, std::move(items), {{"total", items.size()}});
  });
  r.add("GET", "/api/platforms/{id}", access::user(),
        [&s](const httplib::Request&, httplib::Response& res, const request_ctx& ctx) {
          const auto p = s.store.delivery().find_platform(std::stoll(ctx.params[0]));
          if (!p)
            return send_error(res, "NOT_FOUND", "no platform " + ctx.params[0]);
          send_data(res, 200, platform_json(*p));
        });
  r.add("POST", "/api/platforms", access::needs("admin"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          auto body = json_body::parse(req, res);
          if (!body)
            return;
          domain::platform p;
          read_platform(*body, p, true);
          if (body->reply_if_invalid(res))
            return;
          const auto created = s.store.delivery().create_platform(p);
          if (!created)
            return send_error(res, "CONFLICT", "a platform with code " + p.code + " exists",
                              json::array({{{"field", "code"}, {"message", "is taken"}}}));
          audit(s, req, ctx.who, "platform_created", "platform:" + std::to_string(created->id),
                {{"before", nullptr}, {"after", platform_json(*created)}});
          res.set_header("Location", "/api/platforms/" + std::to_string(created->id));
          send_data(res, 201, platform_json(*created));
        });
  r.add("PATCH", "/api/platforms/{id}", access::needs("admin"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          const auto before = s.store.delivery().find_platform(std::stoll(ctx.params[0]));
          if (!before)
            return send_error(res, "NOT_FOUND", "no platform " + ctx.params[0]);
          auto body = json_body::parse(req, res);
          if (!body)
            return;
          auto p = *before;
          read_platform(*body, p, false);
          if (body->reply_if_invalid(res))
            return;
          const auto after = s.store.delivery().update_platform(p);
          if (!after)
            return send_error(res, "NOT_FOUND", "no platform " + ctx.params[0]);
          const auto action = before->enabled == after->enabled ? "platform_updated"
                              : after->enabled                  ? "platform_resumed"
                                                                : "platform_paused";
          audit(s, req, ctx.who, action, "platform:" + ctx.params[0],
                {{"before", platform_json(*before)}, {"after", platform_json(*after)}});
          if (after->enabled)
            s.runtime.nudge(); // held deliveries may go now
          send_data(res, 200, platform_json(*after));
        });
}

/// Reads `platformIds` (1 to 100 distinct, existing platforms).
std::vector<std::int64_t> read_platform_ids(json_body& b, services& s) {
  std::vector<std::int64_t> ids;
  if (!b.has("platformIds") || !b.raw("platformIds").is_array() || b.raw("platformIds").empty()
      || b.raw("platformIds").size() > 100) {
    b.invalid("platformIds", "must be an array of 1 to 100 platform ids");
    return ids;
  }
  std::set<std::int64_t> seen;
  for (const auto& v : b.raw("platformIds")) {
    if (!v.is_number_integer() || !s.store.delivery().find_platform(v.get<std::int64_t>())) {
      b.invalid("platformIds", "no platform " + v.dump());
      continue;
    }
    if (seen.insert(v.get<std::int64_t>()).second)
      ids.push_back(v.get<std::int64_t>());
  }
  return ids;
}

enum class request_kind { distribute, takedown, redeliver };

void add_distribution_route(router& r, services& s, const std::string& path, request_kind kind) {
  r.add("POST", path, access::needs("distribution:write"),
        [&s, kind](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          const auto account = ctx.who->user.id;
          const auto release = s.store.catalog().find_release(account, std::stoll(ctx.params[0]));
          if (!release)
            return send_error(res, "NOT_FOUND", "no release " + ctx.params[0]);
          auto body = json_body::parse(req, res);
          if (!body)
            return;
          const auto platforms = read_platform_ids(*body, s);
          std::optional<domain::millis> scheduled;
          if (kind == request_kind::distribute)
            scheduled = body->time("scheduledAt", false);
          if (body->reply_if_invalid(res))
            return;

          // Where the release stands on each platform decides what may be asked.
          std::map<std::int64_t, delivery_status> latest;
          for (const auto& d : s.store.delivery().latest_deliveries(account, release->id))
            latest[d.platform_id] = d.status;
          json conflicts = json::array();
          for (const auto id : platforms) {
            const auto it = latest.find(id);
            const bool live = it != latest.end() && domain::is_live(it->second);
            const bool delivered = it != latest.end()
                                   && (it->second == delivery_status::delivered || it->second == delivery_status::acknowledged
                                       || it->second == delivery_status::rejected);
            if (kind == request_kind::distribute && live)
              conflicts.push_back({{"platformId", id}, {"status", domain::to_string(it->second)},
                                   {"message", "already delivered or on its way; use redeliver or takedown"}});
            if (kind != request_kind::distribute && !delivered)
              conflicts.push_back({{"platformId", id},
                                   {"status", it == latest.end() ? json(nullptr) : json(domain::to_string(it->second))},
                                   {"message", "the release is not on this platform"}});
          }
          if (!conflicts.empty())
            return send_error(res, "INVALID_STATE", "the release's state on these platforms does not allow this", conflicts);
          if (kind != request_kind::takedown) {
            const auto issues = persistence::release_issues(s.store, account, *release);
            if (domain::has_errors(issues))
              return send_error(res, "INVALID_STATE", "the release is not ready for platforms; see details",
                                validation_json(issues)["issues"]);
          }

          const auto action = kind == request_kind::distribute ? domain::ern_action::initial
                              : kind == request_kind::takedown ? domain::ern_action::takedown
                                                               : domain::ern_action::update;
          const std::string job_kind = kind == request_kind::distribute ? "distribution"
                                       : kind == request_kind::takedown ? "takedown"
                                                                        : "redelivery";
          domain::new_job nj;
          nj.account_id = account;
          nj.kind = job_kind;
          nj.payload = json{{"releaseId", release->id}, {"platformIds", platforms}, {"action", domain::to_string(action)}}.dump();
          nj.scheduled_at = scheduled;
          const auto job = s.store.delivery().create_deliveries(nj, account, release->id, platforms, action);
          audit(s, req, ctx.who, job_kind + "_requested", "release:" + ctx.params[0],
                {{"jobId", job.id}, {"platformIds", platforms}, {"scheduledAt", time_or_null(scheduled)}});
          s.runtime.nudge();
          res.set_header("Location", "/api/jobs/" + std::to_string(job.id));
          send_data(res, 202, job_json(job));
        });
}

void add_delivery_routes_inner(router& r, services& s) {
  add_distribution_route(r, s, "/api/releases/{id}/distributions", request_kind::distribute);
  add_distribution_route(r, s, "/api/releases/{id}/takedown", request_kind::takedown);
  add_distribution_route(r, s, "/api/releases/{id}/redeliver", request_kind::redeliver);
  r.add("GET", "/api/releases/{id}/distributions", access::needs("distribution:read"),
        [&s](const httplib::Request&, httplib::Response& res, const request_ctx& ctx) {
          const auto account = ctx.who->user.id;
          const auto release = s.store.catalog().find_release(account, std::stoll(ctx.params[0]));
          if (!release)
            return send_error(res, "NOT_FOUND", "no release " + ctx.params[0]);
          std::map<std::int64_t, std::string> codes;
          for (const auto& p : s.store.delivery().list_platforms())
            codes[p.id] = p.code;
          json items = json::array();
          for (const auto& d : s.store.delivery().latest_deliveries(account, release->id))
            items.push_back(delivery_json(d, codes[d.platform_id]));
          send_data(res, 200, std::move(items), {{"total", items.size()}});
        });
  r.add("POST", "/api/deliveries/{id}/cancel", access::needs("distribution:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          const auto d = s.store.delivery().find_delivery(std::stoll(ctx.params[0]));
          if (!d || d->account_id != ctx.who->user.id)
            return send_error(res, "NOT_FOUND", "no delivery " + ctx.params[0]);
          persistence::delivery_change cancel{delivery_status::cancelled};
          cancel.event = d->message_id + " cancelled by request";
          if (!s.store.delivery().transition(d->id, domain::cancellable_statuses(), cancel))
            return send_error(res, "INVALID_STATE", "delivery " + ctx.params[0] + " is " + std::string(domain::to_string(d->status))
                                                      + "; only a delivery not yet sent can be cancelled",
                              {{"status", domain::to_string(d->status)}});
          audit(s, req, ctx.who, "delivery_cancelled", "delivery:" + ctx.params[0], {{"messageId", d->message_id}});
          s.runtime.nudge();
          const auto after = s.store.delivery().find_delivery(d->id);
          const auto platform = s.store.delivery().find_platform(d->platform_id);
          send_data(res, 200, delivery_json(*after, platform ? platform->code : ""));
        });
}

} // namespace

/// POST /api/bulk-distributions: answers 202 at once; the bulk actor checks the releases in
/// chunks and reports refused ones per item in the job's result.
void add_bulk_route(router& r, services& s) {
  constexpr std::size_t max_releases = 10'000;
  r.add("POST", "/api/bulk-distributions", access::needs("distribution:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          auto body = json_body::parse(req, res);
          if (!body)
            return;
          std::vector<std::int64_t> releases;
          if (!body->has("releaseIds") || !body->raw("releaseIds").is_array() || body->raw("releaseIds").empty()
              || body->raw("releaseIds").size() > max_releases) {
            body->invalid("releaseIds", "must be an array of 1 to " + std::to_string(max_releases) + " release ids");
          } else {
            for (const auto& v : body->raw("releaseIds")) {
              if (!v.is_number_integer() || v.get<std::int64_t>() < 1) {
                body->invalid("releaseIds", "must hold positive integers; got " + v.dump().substr(0, 40));
                break;
              }
              releases.push_back(v.get<std::int64_t>());
            }
          }
          const auto platforms = read_platform_ids(*body, s);
          const auto scheduled = body->time("scheduledAt", false);
          if (body->reply_if_invalid(res))
            return;
          domain::new_job nj;
          nj.account_id = ctx.who->user.id;
          nj.kind = "bulk_distribution";
          nj.payload = json{{"platformIds", platforms}, {"releases", releases.size()}}.dump();
          nj.scheduled_at = scheduled;
          const auto job = s.store.delivery().create_bulk(nj, releases);
          audit(s, req, ctx.who, "bulk_distribution_requested", "job:" + std::to_string(job.id),
                {{"releases", releases.size()}, {"platformIds", platforms}, {"scheduledAt", time_or_null(scheduled)}});
          s.runtime.nudge();
          res.set_header("Location", "/api/jobs/" + std::to_string(job.id));
          send_data(res, 202, job_json(job));
        });
}

void add_delivery_routes(router& r, services& s) {
  add_platform_routes(r, s);
  add_delivery_routes_inner(r, s);
  add_bulk_route(r, s);
}

} // namespace tunemantra::http
