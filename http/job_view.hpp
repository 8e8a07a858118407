#pragma once
// The JSON view of a job (GET /api/jobs/{id}), shared by every route that answers with a job.

#include <nlohmann/json.hpp>

#include "domain/job.hpp"

namespace tunemantra::http {

nlohmann::json job_json(const domain::job& j);

} // namespace tunemantra::http
