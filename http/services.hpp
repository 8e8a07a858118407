#pragma once
// What the HTTP handlers use: the store for plain reads, the job runtime for work, the metrics.

#include <chrono>

#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "http/metrics.hpp"
#include "persistence/store.hpp"

namespace tunemantra::http {

struct services {
  config::http_config http;
  persistence::store& store;
  actors::job_runtime& runtime;
  request_metrics metrics;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

class router;

/// GET /healthz, /readyz, /metrics and /api/openapi.json.
void add_ops_routes(router& r, services& s);
/// GET /api/jobs, GET /api/jobs/{id}, GET /api/jobs/{id}/events, POST /api/jobs/{id}/cancel.
void add_job_routes(router& r, services& s);

} // namespace tunemantra::http
