#include "domain/job.hpp"

#include <array>
#include <utility>

namespace tunemantra::domain {
namespace {

constexpr std::array<std::pair<job_status, std::string_view>, 8> status_names{{
  {job_status::queued, "queued"},
  {job_status::scheduled, "scheduled"},
  {job_status::running, "running"},
  {job_status::retrying, "retrying"},
  {job_status::succeeded, "succeeded"},
  {job_status::partially_failed, "partially_failed"},
  {job_status::failed, "failed"},
  {job_status::cancelled, "cancelled"},
}};

} // namespace

std::string_view to_string(job_status s) {
  for (const auto& [status, name] : status_names)
    if (status == s)
      return name;
  return "unknown";
}

std::optional<job_status> parse_job_status(std::string_view text) {
  for (const auto& [status, name] : status_names)
    if (name == text)
      return status;
  return std::nullopt;
}

bool is_terminal(job_status s) {
  return s == job_status::succeeded || s == job_status::partially_failed || s == job_status::failed
         || s == job_status::cancelled;
}

bool can_transition(job_status from, job_status to) {
  if (is_terminal(from))
    return false;
  switch (to) {
    case job_status::queued:
      return from == job_status::scheduled || from == job_status::retrying || from == job_status::running;
    case job_status::scheduled:
      return from == job_status::queued;
    case job_status::running:
      return from == job_status::queued || from == job_status::retrying || from == job_status::running;
    case job_status::retrying:
      return from == job_status::running || from == job_status::retrying;
    case job_status::succeeded:
    case job_status::partially_failed:
      return from == job_status::running;
    case job_status::failed:
    case job_status::cancelled:
      return true; // any live job may fail or be cancelled
  }
  return false;
}

} // namespace tunemantra::domain
