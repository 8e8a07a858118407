#pragma once
// Job rows as SOCI reads and writes them, shared by the stores that create jobs inside their own
// transactions (a distribution job and its deliveries are one transaction). Internal to persistence/.

#include <optional>
#include <string>

#include <soci/soci.h>

#include "domain/job.hpp"

namespace tunemantra::persistence {

inline constexpr const char* job_columns =
  "id, account_id, kind, status, payload, result, error, progress_total, progress_done, progress_failed, "
  "priority, attempts, lease_owner, lease_expires_at, lease_epoch, row_version, created_at, updated_at, "
  "scheduled_at, started_at, finished_at";

/// The variables a job row is read into (SOCI 4.0 has no std::optional: indicators mark NULLs).
struct job_row {
  long long id = 0, account_id = 0, total = 0, done = 0, failed = 0, lease_expires = 0, epoch = 0,
            version = 0, created = 0, updated = 0, scheduled = 0, started = 0, finished = 0;
  int priority = 0, attempts = 0;
  std::string kind, status, payload, result, error, owner;
  soci::indicator account_ind = soci::i_null, scheduled_ind = soci::i_null, started_ind = soci::i_null,
                  finished_ind = soci::i_null;

  void bind(soci::details::prepare_temp_type& t) {
    t, soci::into(id), soci::into(account_id, account_ind), soci::into(kind), soci::into(status),
      soci::into(payload), soci::into(result), soci::into(error), soci::into(total), soci::into(done),
      soci::into(failed), soci::into(priority), soci::into(attempts), soci::into(owner),
      soci::into(lease_expires), soci::into(epoch), soci::into(version), soci::into(created),
      soci::into(updated), soci::into(scheduled, scheduled_ind), soci::into(started, started_ind),
      soci::into(finished, finished_ind);
  }

  domain::job get() const {
    domain::job j;
    j.id = id;
    if (account_ind == soci::i_ok)
      j.account_id = account_id;
    j.kind = kind;
    j.status = domain::parse_job_status(status).value_or(domain::job_status::failed);
    j.payload = payload;
    j.result = result;
    j.error = error;
    j.progress = {total, done, failed};
    j.priority = priority;
    j.attempts = attempts;
    j.lease_owner = owner;
    j.lease_expires_at = lease_expires;
    j.lease_epoch = epoch;
    j.row_version = version;
    j.created_at = created;
    j.updated_at = updated;
    if (scheduled_ind == soci::i_ok)
      j.scheduled_at = scheduled;
    if (started_ind == soci::i_ok)
      j.started_at = started;
    if (finished_ind == soci::i_ok)
      j.finished_at = finished;
    return j;
  }
};

struct event_row {
  long long id = 0, job_id = 0, at = 0;
  std::string type, message, data;

  void bind(soci::details::prepare_temp_type& t) {
    t, soci::into(id), soci::into(job_id), soci::into(at), soci::into(type), soci::into(message), soci::into(data);
  }
  domain::job_event to_event() const { return {id, job_id, at, type, message, data}; }
};

/// The job with this id (`suffix` appends SQL such as " FOR UPDATE").
std::optional<domain::job> select_job(soci::session& s, long long id, const char* suffix = "");
domain::job_event insert_event(soci::session& s, long long job_id, const std::string& type, const std::string& message,
                               const std::string& data);
/// Inserts a job (`queued`, or `scheduled` when it has a time) and its `created` event; its id.
long long insert_job(soci::session& s, const domain::new_job& nj);

} // namespace tunemantra::persistence
