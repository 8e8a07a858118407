// Jobs: GET /api/jobs, GET /api/jobs/{id}, GET /api/jobs/{id}/events, POST /api/jobs/{id}/cancel.

#include <optional>

#include <caf/function_view.hpp>

#include <httplib.h>

#include "domain/time.hpp"
#include "domain/auth.hpp"
#include "http/auth.hpp"
#include "http/envelope.hpp"
#include "http/query.hpp"
#include "http/router.hpp"
#include "http/job_view.hpp"
#include "http/services.hpp"
#include "persistence/errors.hpp"

namespace tunemantra::http {
namespace {

/// The stored JSON text of a job's result; a row with broken JSON shows null rather than failing.
json stored_json(const std::string& text) {
  auto parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? json(nullptr) : parsed;
}

json event_json(const domain::job_event& e) {
  return {{"id", e.id},     {"jobId", e.job_id},        {"at", domain::format_rfc3339(e.at)},
          {"type", e.type}, {"message", e.message},     {"data", stored_json(e.data)}};
}

std::string etag_of(const domain::job& j) {
  return "\"j" + std::to_string(j.id) + "-v" + std::to_string(j.row_version) + "\"";
}

/// Whether an If-None-Match header names this ETag (or is `*`).
bool etag_matches(const std::string& header, const std::string& etag) {
  if (header == "*")
    return true;
  std::size_t start = 0;
  while (start < header.size()) {
    auto comma = header.find(',', start);
    if (comma == std::string::npos)
      comma = header.size();
    auto item = header.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (item.starts_with("W/"))
      item.erase(0, 2);
    if (item == etag)
      return true;
    start = comma + 1;
  }
  return false;
}

/// Asks the supervisor to stop a job's actor, through a function view kept per HTTP thread.
bool stop_job_actor(actors::job_runtime& runtime, std::int64_t id) {
  thread_local std::optional<caf::function_view<actors::supervisor_actor>> view;
  thread_local actors::supervisor_actor bound;
  if (!view || bound != runtime.supervisor()) {
    bound = runtime.supervisor();
    view.emplace(caf::make_function_view(bound, caf::duration{std::chrono::seconds(2)}));
  }
  auto answer = (*view)(actors::cancel_atom::value, id);
  return answer && *answer;
}

/// The job if the caller may see it: its own account's, or any for an admin. Others' are "not found".
std::optional<domain::job> find_visible(services& s, const request_ctx& ctx, std::int64_t id) {
  if (ctx.who->is_admin())
    return s.store.find_job(id);
  return s.store.find_job(id, ctx.who->user.id);
}

/// find_visible for pollers: may answer from the store's short-lived job cache.
std::optional<domain::job> poll_visible(services& s, const request_ctx& ctx, std::int64_t id) {
  if (ctx.who->is_admin())
    return s.store.recent_job(id);
  return s.store.recent_job(id, ctx.who->user.id);
}

void send_job(httplib::Response& res, int status, const domain::job& j) {
  res.set_header("ETag", etag_of(j));
  if (!domain::is_terminal(j.status))
    res.set_header("Retry-After", "2");
  send_data(res, status, job_json(j));
}

} // namespace

nlohmann::json job_json(const domain::job& j) {
  const auto self = "/api/jobs/" + std::to_string(j.id);
  return {
    {"id", j.id},
    {"kind", j.kind},
    {"status", domain::to_string(j.status)},
    {"progress", {{"total", j.progress.total}, {"done", j.progress.done}, {"failed", j.progress.failed}}},
    {"attempts", j.attempts},
    {"createdAt", domain::format_rfc3339(j.created_at)},
    {"updatedAt", domain::format_rfc3339(j.updated_at)},
    {"scheduledAt", time_or_null(j.scheduled_at)},
    {"startedAt", time_or_null(j.started_at)},
    {"finishedAt", time_or_null(j.finished_at)},
    {"error", j.error.empty() ? json(nullptr) : json(j.error)},
    {"result", stored_json(j.result)},
    {"links", {{"self", self}, {"events", self + "/events"}, {"cancel", self + "/cancel"}}},
  };
}


void add_job_routes(router& r, services& s) {
  r.add("GET", "/api/jobs", access::user(), [&s](const httplib::Request& req, httplib::Response& res,
                                                  const request_ctx& ctx) {
    query q{req};
    domain::job_filter filter;
    if (!ctx.who->is_admin())
      filter.account_id = ctx.who->user.id; // admins see every account's jobs
    q.paging(filter.page, filter.limit);
    filter.kind = q.text("kind", 64);
    if (auto status = q.text("status", 32)) {
      filter.status = domain::parse_job_status(*status);
      if (!filter.status)
        q.invalid("status", "must be one of queued, scheduled, running, retrying, succeeded, partially_failed, "
                            "failed, cancelled");
    }
    filter.created_from = q.time("createdFrom");
    filter.created_to = q.time("createdTo");
    if (!q.ok())
      return send_error(res, "VALIDATION_ERROR", "invalid query parameters", q.details());
    const auto page = s.store.list_jobs(filter);
    json items = json::array();
    for (const auto& j : page.items)
      items.push_back(job_json(j));
    send_data(res, 200, std::move(items), {{"page", page.page}, {"limit", page.limit}, {"total", page.total}});
  });

  r.add("GET", "/api/jobs/{id}", access::user(), [&s](const httplib::Request& req, httplib::Response& res,
                                                       const request_ctx& ctx) {
    const auto& p = ctx.params;
    query q{req};
    const auto wait_seconds = q.integer("waitSeconds", 0, 60).value_or(0);
    if (!q.ok())
      return send_error(res, "VALIDATION_ERROR", "invalid query parameters", q.details());
    const auto id = std::stoll(p[0]);
    // A long-poll watches the job before reading it, so a change between the read and the wait
    // still wakes it.
    auto watch = wait_seconds > 0 ? s.store.changes().try_watch(id) : std::nullopt;
    if (wait_seconds > 0) {
      if (!watch) {
        res.set_header("Retry-After", "1");
        return send_error(res, "UNAVAILABLE", "too many clients are waiting for job changes; poll again in a second");
      }
    }
    auto job = poll_visible(s, ctx, id);
    if (!job)
      return send_error(res, "NOT_FOUND", "no job " + p[0]);
    if (watch) {
      // Wait while the job is as the client knows it (its If-None-Match, else as it is now).
      const auto known = req.has_header("If-None-Match") ? req.get_header_value("If-None-Match") : etag_of(*job);
      const auto until = persistence::job_changes::clock::now() + std::chrono::seconds(wait_seconds);
      while (!domain::is_terminal(job->status) && etag_matches(known, etag_of(*job)) && watch->wait_until(until)) {
        job = poll_visible(s, ctx, id);
        if (!job)
          return send_error(res, "NOT_FOUND", "no job " + p[0]);
      }
    }
    if (req.has_header("If-None-Match") && etag_matches(req.get_header_value("If-None-Match"), etag_of(*job))) {
      res.status = 304;
      res.set_header("ETag", etag_of(*job));
      if (!domain::is_terminal(job->status))
        res.set_header("Retry-After", "2");
      return;
    }
    send_job(res, 200, *job);
  });

  r.add("GET", "/api/jobs/{id}/events", access::user(),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          const auto& p = ctx.params;
          query q{req};
          const auto after = q.integer("after", 0, INT64_MAX).value_or(0);
          const auto limit = q.integer("limit", 1, 1000).value_or(100);
          if (!q.ok())
            return send_error(res, "VALIDATION_ERROR", "invalid query parameters", q.details());
          const auto id = std::stoll(p[0]);
          if (!find_visible(s, ctx, id))
            return send_error(res, "NOT_FOUND", "no job " + p[0]);
          json items = json::array();
          for (const auto& e : s.store.list_events(id, after, static_cast<int>(limit)))
            items.push_back(event_json(e));
          send_data(res, 200, std::move(items), {{"after", after}, {"limit", limit}});
        });

  r.add("POST", "/api/jobs/{id}/retry", access::needs("admin"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          const auto& p = ctx.params;
          try {
            const auto retried = s.store.retry_job(std::stoll(p[0]));
            if (!retried)
              return send_error(res, "NOT_FOUND", "no job " + p[0]);
            audit(s, req, ctx.who, "job_retried", "job:" + p[0],
                  {{"deliveries", retried->deliveries}, {"releases", retried->releases}});
            s.runtime.nudge();
            send_job(res, 202, retried->job);
          } catch (const persistence::invalid_transition& e) {
            const auto job = s.store.find_job(std::stoll(p[0]));
            send_error(res, "INVALID_STATE", e.what(), {{"status", job ? domain::to_string(job->status) : "unknown"}});
          }
        });

  r.add("POST", "/api/jobs/{id}/cancel", access::user(),
        [&s](const httplib::Request&, httplib::Response& res, const request_ctx& ctx) {
          const auto& p = ctx.params;
          const auto id = std::stoll(p[0]);
          const auto visible = find_visible(s, ctx, id);
          if (!visible)
            return send_error(res, "NOT_FOUND", "no job " + p[0]);
          const auto scope = domain::scope_for_job(visible->kind, true);
          if (!ctx.who->can(scope))
            return send_error(res, "INSUFFICIENT_SCOPE", "cancelling a " + visible->kind + " job needs " + scope,
                              {{"required", scope}});
          // The row is the truth: mark it cancelled first, then stop the actor.
          try {
            domain::job_update cancel{domain::job_status::cancelled};
            cancel.error = "cancelled by request";
            const auto job = s.store.update_job(id, cancel);
            if (!job)
              return send_error(res, "NOT_FOUND", "no job " + p[0]);
            stop_job_actor(s.runtime, id);
            // Deliveries not yet sent stop with their job; one being sent finishes.
            s.store.delivery().cancel_deliveries(id);
            send_job(res, 202, *job);
          } catch (const persistence::invalid_transition&) {
            const auto job = s.store.find_job(id);
            send_error(res, "INVALID_STATE", "job " + p[0] + " has already finished",
                       {{"status", job ? domain::to_string(job->status) : "unknown"}});
          }
        });
}

} // namespace tunemantra::http
