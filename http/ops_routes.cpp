// Operations: liveness, readiness, Prometheus metrics and the OpenAPI document (no auth), and the
// operator's overview GET /api/status (admin; what `tmctl status` prints).

#include <httplib.h>

#include "domain/job.hpp"
#include "actors/connectors/connector.hpp"
#include "http/envelope.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/services.hpp"

namespace tunemantra::http {

extern const std::string_view openapi_document;

namespace {

/// The OpenAPI document as served: its Connector schema is oneOf the registered connectors' own,
/// so a new connector type shows up there without editing openapi.json.
std::string served_openapi() {
  auto doc = nlohmann::json::parse(openapi_document);
  auto& connector = doc["components"]["schemas"]["Connector"];
  nlohmann::json one_of = nlohmann::json::array();
  for (const auto* c : actors::connectors())
    one_of.push_back(c->schema());
  connector = {{"description", connector.value("description", "")},
               {"oneOf", std::move(one_of)}}; // each names its own "type" in an enum of one
  return doc.dump();
}

void render_runtime(std::string& out, services& s) {
  const auto& stats = s.runtime.stats();
  metric_header(out, "tunemantra_job_actors", "gauge", "Job actors alive on this node.");
  out += "tunemantra_job_actors " + std::to_string(stats.live_job_actors.load()) + "\n";
  metric_header(out, "tunemantra_actor_restarts_total", "counter", "Job actors restarted after a crash.");
  out += "tunemantra_actor_restarts_total " + std::to_string(stats.restarts.load()) + "\n";
  metric_header(out, "tunemantra_job_restart_limit_total", "counter", "Jobs failed for crashing too often.");
  out += "tunemantra_job_restart_limit_total " + std::to_string(stats.restart_limit_hits.load()) + "\n";

  const auto pool = s.store.stats();
  metric_header(out, "tunemantra_db_pool_connections", "gauge", "Database connections by state.");
  out += "tunemantra_db_pool_connections{state=\"in_use\"} " + std::to_string(pool.in_use) + "\n";
  out += "tunemantra_db_pool_connections{state=\"idle\"} " + std::to_string(pool.size - pool.in_use) + "\n";
  metric_header(out, "tunemantra_db_pool_lease_timeouts_total", "counter",
                "Waits for a database connection that ran past the lease timeout.");
  out += "tunemantra_db_pool_lease_timeouts_total " + std::to_string(pool.timeouts) + "\n";

  const auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - s.started).count();
  metric_header(out, "tunemantra_uptime_seconds", "gauge", "Seconds since the daemon started.");
  out += "tunemantra_uptime_seconds " + std::to_string(static_cast<long long>(uptime)) + "\n";
}

void render_jobs(std::string& out, services& s) {
  metric_header(out, "tunemantra_jobs", "gauge", "Jobs in the store by kind and status.");
  try {
    for (const auto& c : s.store.job_counts())
      out += "tunemantra_jobs{kind=\"" + label_value(c.kind) + "\",status=\"" + std::string(domain::to_string(c.status))
             + "\"} " + std::to_string(c.count) + "\n";
  } catch (const std::exception&) {
    // the database is away: the other series still tell the story (readyz says 503)
  }
}

} // namespace

void add_ops_routes(router& r, services& s) {
  r.add("GET", "/healthz", access::anyone(), [](const httplib::Request&, httplib::Response& res, const request_ctx&) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });

  r.add("GET", "/readyz", access::anyone(), [&s](const httplib::Request&, httplib::Response& res, const request_ctx&) {
    nlohmann::json body = {{"status", "ready"}, {"database", "ok"}, {"supervisor", "ok"}};
    try {
      s.store.ping();
    } catch (const std::exception& e) {
      body["status"] = "unavailable";
      body["database"] = e.what();
    }
    if (!s.runtime.ping(std::chrono::seconds(1))) {
      body["status"] = "unavailable";
      body["supervisor"] = "not answering";
    }
    res.status = body["status"] == "ready" ? 200 : 503;
    res.set_content(body.dump(), "application/json");
  });

  r.add("GET", "/api/status", access::needs("admin"), [&s](const httplib::Request&, httplib::Response& res,
                                                            const request_ctx&) {
    const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - s.started);
    nlohmann::json by_status = nlohmann::json::object(), by_kind = nlohmann::json::array();
    for (const auto& c : s.store.job_counts()) {
      const std::string status{domain::to_string(c.status)};
      by_status[status] = by_status.value(status, 0) + c.count;
      by_kind.push_back({{"kind", c.kind}, {"status", status}, {"count", c.count}});
    }
    nlohmann::json platforms = nlohmann::json::array();
    for (const auto& p : s.store.delivery().list_platforms())
      platforms.push_back({{"id", p.id}, {"code", p.code}, {"name", p.name}, {"state", p.enabled ? "active" : "paused"},
                           {"maxConcurrency", p.max_concurrency}, {"ratePerMinute", p.rate_per_minute}});
    const auto pool = s.store.stats();
    send_data(res, 200,
              {{"status", s.runtime.ping(std::chrono::seconds(1)) ? "ok" : "degraded"},
               {"version", TM_VERSION},
               {"startedAt", domain::format_rfc3339(s.started_at)},
               {"uptimeSeconds", uptime.count()},
               {"database", {{"backend", s.store.backend() == persistence::backend_kind::sqlite ? "sqlite" : "postgresql"},
                             {"schemaVersion", s.store.schema_version()},
                             {"poolSize", pool.size},
                             {"poolInUse", pool.in_use}}},
               {"actors", {{"jobActors", s.runtime.stats().live_job_actors.load()},
                           {"restarts", s.runtime.stats().restarts.load()}}},
               {"jobs", {{"byStatus", std::move(by_status)}, {"byKindAndStatus", std::move(by_kind)}}},
               {"platforms", std::move(platforms)}});
  });

  r.add("GET", "/metrics", s.cfg.auth.metrics_require_admin ? access::needs("admin") : access::anyone(), [&s](const httplib::Request&, httplib::Response& res, const request_ctx&) {
    std::string out;
    s.metrics.render(out);
    render_jobs(out, s);
    render_runtime(out, s);
    res.set_content(out, "text/plain; version=0.0.4; charset=utf-8");
  });

  r.add("GET", "/api/openapi.json", access::anyone(), [](const httplib::Request&, httplib::Response& res, const request_ctx&) {
    static const std::string served = served_openapi();
    res.set_content(served, "application/json");
  });
}

} // namespace tunemantra::http
