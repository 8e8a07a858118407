#pragma once
// Jobs: every asynchronous piece of work (a distribution, a bulk run, an import, a royalty
// calculation) is a job row. This file holds the plain types and the status rules; no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tunemantra::domain {

/// Milliseconds since the Unix epoch, UTC. The store keeps every timestamp in this form.
using millis = std::int64_t;

enum class job_status { queued, scheduled, running, retrying, succeeded, partially_failed, failed, cancelled };

/// The API spelling of a status (`partially_failed`, ...).
std::string_view to_string(job_status s);
/// Parses the API spelling; nullopt for anything else.
std::optional<job_status> parse_job_status(std::string_view text);
/// True once a job can no longer change status.
bool is_terminal(job_status s);
/// Whether the state machine allows `from` -> `to`.
bool can_transition(job_status from, job_status to);

struct job_progress {
  std::int64_t total = 0;
  std::int64_t done = 0;
  std::int64_t failed = 0;
};

/// One job row, as the store returns it.
struct job {
  std::int64_t id = 0;
  std::optional<std::int64_t> account_id;
  std::string kind;
  job_status status = job_status::queued;
  std::string payload = "{}"; ///< JSON text, owned by the job kind
  std::string result = "null"; ///< JSON text
  std::string error;           ///< empty when none
  job_progress progress;
  int priority = 0;
  int attempts = 0;
  std::string lease_owner; ///< empty when unclaimed
  millis lease_expires_at = 0;
  std::int64_t lease_epoch = 0;
  std::int64_t row_version = 1;
  millis created_at = 0;
  millis updated_at = 0;
  std::optional<millis> scheduled_at;
  std::optional<millis> started_at;
  std::optional<millis> finished_at;
};

/// What a caller supplies to create a job.
struct new_job {
  std::optional<std::int64_t> account_id;
  std::string kind;
  std::string payload = "{}";
  int priority = 0;
  std::optional<millis> scheduled_at; ///< set: the job starts `scheduled`, else `queued`
};

/// One line of a job's append-only history.
struct job_event {
  std::int64_t id = 0;
  std::int64_t job_id = 0;
  millis at = 0;
  std::string type;    ///< e.g. "status", "restart", "step"
  std::string message; ///< human readable
  std::string data = "null"; ///< JSON text
};

/// A status change with its side fields; the store applies it only if the transition is legal.
struct job_update {
  job_status status = job_status::queued;
  std::optional<std::string> error = std::nullopt;
  std::optional<std::string> result = std::nullopt;
  std::optional<job_progress> progress = std::nullopt;
  bool count_attempt = false;
};

struct job_filter {
  std::optional<std::int64_t> account_id;
  std::optional<std::string> kind;
  std::optional<job_status> status;
  std::optional<millis> created_from;
  std::optional<millis> created_to;
  int page = 1;  ///< from 1
  int limit = 20; ///< 1..100
};

/// One line of the jobs-by-kind-and-status gauge.
struct job_count {
  std::string kind;
  job_status status = job_status::queued;
  std::int64_t count = 0;
};

template <class T>
struct page {
  std::vector<T> items;
  std::int64_t total = 0;
  int page = 1;
  int limit = 20;
};

} // namespace tunemantra::domain
