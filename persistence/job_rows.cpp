#include "persistence/job_rows.hpp"

#include "domain/time.hpp"

namespace tunemantra::persistence {

std::optional<domain::job> select_job(soci::session& s, long long id, const char* suffix) {
  job_row row;
  auto temp = (s.prepare << std::string("SELECT ") + job_columns + " FROM jobs WHERE id = :id" + suffix);
  row.bind(temp);
  temp, soci::use(id);
  soci::statement st(temp);
  st.execute(false);
  if (!st.fetch())
    return std::nullopt;
  return row.get();
}

domain::job_event insert_event(soci::session& s, long long job_id, const std::string& type, const std::string& message,
                       const std::string& data) {
  event_row row;
  row.job_id = job_id;
  row.at = domain::now_millis();
  row.type = type;
  row.message = message;
  row.data = data;
  s << "INSERT INTO job_events (job_id, at, type, message, data) VALUES (:j, :a, :t, :m, :d) RETURNING id",
    soci::use(row.job_id), soci::use(row.at), soci::use(row.type), soci::use(row.message), soci::use(row.data),
    soci::into(row.id);
  return row.to_event();
}


long long insert_job(soci::session& s, const domain::new_job& nj) {
  const long long now = domain::now_millis();
  const std::string status{
    domain::to_string(nj.scheduled_at ? domain::job_status::scheduled : domain::job_status::queued)};
  long long account = nj.account_id.value_or(0);
  long long scheduled = nj.scheduled_at.value_or(0);
  soci::indicator account_ind = nj.account_id ? soci::i_ok : soci::i_null;
  soci::indicator scheduled_ind = nj.scheduled_at ? soci::i_ok : soci::i_null;
  long long id = 0;
  s << "INSERT INTO jobs (account_id, kind, status, payload, priority, created_at, updated_at, scheduled_at) "
       "VALUES (:a, :k, :s, :p, :pr, :c, :u, :sch) RETURNING id",
    soci::use(account, account_ind), soci::use(nj.kind), soci::use(status), soci::use(nj.payload),
    soci::use(nj.priority), soci::use(now), soci::use(now), soci::use(scheduled, scheduled_ind), soci::into(id);
  insert_event(s, id, "created", nj.kind + " job created as " + status, "null");
  return id;
}

} // namespace tunemantra::persistence
