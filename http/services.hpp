#pragma once
// What the HTTP handlers use: the store for plain reads, the job runtime for work, the metrics and
// the rate limiter.

#include <chrono>

#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "domain/crypto.hpp"
#include "domain/time.hpp"
#include "http/metrics.hpp"
#include "http/rate_limit.hpp"
#include "persistence/media_files.hpp"
#include "persistence/store.hpp"

namespace httplib {
struct Request;
}

namespace tunemantra::http {

struct services {
  config::config cfg;
  persistence::store& store;
  actors::job_runtime& runtime;
  request_metrics metrics;
  rate_limiter limiter;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  domain::millis started_at = domain::now_millis(); ///< wall clock, for GET /api/status
  persistence::media_files media{cfg.media.dir};

  persistence::account_store& accounts() { return store.accounts(); }
  domain::crypto::scrypt_params scrypt() const { return {cfg.auth.scrypt_log_n, 8, 1}; }
};

class router;
struct principal;

/// GET /healthz, /readyz, /metrics, /api/openapi.json and (admin) /api/status.
void add_ops_routes(router& r, services& s);
/// GET /api/cluster (admin): nodes, leader and job leases.
void add_cluster_routes(router& r, services& s);
/// GET /api/jobs, GET /api/jobs/{id}, GET /api/jobs/{id}/events, POST /api/jobs/{id}/cancel.
void add_job_routes(router& r, services& s);
/// /api/auth/register, login, logout, me, password.
void add_auth_routes(router& r, services& s);
/// /api/api-keys.
void add_key_routes(router& r, services& s);
/// /api/artists and /api/releases.
void add_catalog_routes(router& r, services& s);
/// /api/releases/{id}/tracks and /api/tracks/{id}.
void add_track_routes(router& r, services& s);
/// PUT /api/tracks/{id}/audio and PUT /api/releases/{id}/artwork (streamed uploads).
void add_media_routes(router& r, services& s);
/// /api/platforms, distributions, takedowns, redeliveries and delivery cancels.
void add_delivery_routes(router& r, services& s);
/// POST /api/sales-reports and GET /api/sales-reports/{id}.
void add_sales_routes(router& r, services& s);
/// /api/royalty-periods (rates, calculate, finalize, statements), /api/advances, /api/royalty-calculations.
void add_royalty_routes(router& r, services& s);
/// GET /api/analytics/tracks/{id} and /api/analytics/releases/{id}.
void add_analytics_routes(router& r, services& s);
/// Admin: /api/users, /api/users/{id}, /api/audit.
void add_user_routes(router& r, services& s);

/// Records a security event in the audit log; a failure to record is logged, never fatal.
void audit(services& s, const httplib::Request& req, const principal* who, std::string action, std::string target,
           nlohmann::json details = nullptr);

} // namespace tunemantra::http
