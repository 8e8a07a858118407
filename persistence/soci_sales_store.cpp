#include "persistence/soci_sales_store.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include "domain/time.hpp"
#include "persistence/job_rows.hpp"

namespace tunemantra::persistence {

namespace {

constexpr const char* report_columns =
  "id, account_id, job_id, format, sha256, message_id, platform, usage_start, usage_end, status, rows_total, "
  "rows_unmatched, problems, file_path, created_at, finished_at, number_of_files";

std::optional<sales_report> select_report(soci::session& s, long long id) {
  sales_report r;
  long long rid = 0, account = 0, job = 0, total = 0, unmatched = 0, created = 0, finished = 0, files = 1;
  soci::indicator job_ind = soci::i_null, message_ind = soci::i_null, finished_ind = soci::i_null;
  s << std::string("SELECT ") + report_columns + " FROM sales_reports WHERE id = :id", soci::into(rid),
    soci::into(account), soci::into(job, job_ind), soci::into(r.format), soci::into(r.sha256),
    soci::into(r.message_id, message_ind), soci::into(r.platform), soci::into(r.usage_start), soci::into(r.usage_end),
    soci::into(r.status), soci::into(total), soci::into(unmatched), soci::into(r.problems), soci::into(r.file_path),
    soci::into(created), soci::into(finished, finished_ind), soci::into(files), soci::use(id);
  if (!s.got_data())
    return std::nullopt;
  r.id = rid;
  r.account_id = account;
  if (job_ind == soci::i_ok)
    r.job_id = job;
  if (message_ind != soci::i_ok)
    r.message_id.clear();
  r.rows_total = total;
  r.rows_unmatched = unmatched;
  r.created_at = created;
  if (finished_ind == soci::i_ok)
    r.finished_at = finished;
  r.number_of_files = files;
  report_file f;
  long long number = 0, bytes = 0, received = 0;
  soci::statement st = (s.prepare << "SELECT file_number, sha256, bytes, file_path, received_at FROM sales_report_files "
                                     "WHERE report_id = :r ORDER BY file_number",
                        soci::into(number), soci::into(f.sha256), soci::into(bytes), soci::into(f.path),
                        soci::into(received), soci::use(id));
  st.execute(false);
  while (st.fetch()) {
    f.number = number;
    f.bytes = bytes;
    f.received_at = received;
    r.files.push_back(f);
  }
  return r;
}

/// Registering reports is one at a time per account: two uploads of one message (or of two files
/// of it) cannot both find nothing and both insert. PostgreSQL: a transaction-scoped advisory lock;
/// SQLite has one writer already. (Its class is negative: platform slots use the platform id.)
void lock_account_reports(soci::session& s, long long account) {
  if (s.get_backend_name() == "postgresql")
    s << "SELECT pg_advisory_xact_lock(-7340021, CAST(:a % 2147483647 AS INTEGER))", soci::use(account);
}

/// Throws duplicate_report when the account has a report (not failed) with a file of this SHA-256.
void refuse_known_file(soci::session& s, long long account, const std::string& sha256) {
  long long existing = 0;
  soci::indicator ind = soci::i_null;
  s << "SELECT MIN(f.report_id) FROM sales_report_files f JOIN sales_reports r ON r.id = f.report_id "
       "WHERE r.account_id = :a AND f.sha256 = :h AND r.status <> 'failed'",
    soci::into(existing, ind), soci::use(account), soci::use(sha256);
  if (ind == soci::i_ok)
    throw duplicate_report("this file was already sent as sales report " + std::to_string(existing), existing);
}

/// The account's report (not failed) of this MessageId, if any: its id and status.
std::optional<std::pair<long long, std::string>> report_of_message(soci::session& s, long long account,
                                                                   const std::string& message_id) {
  long long id = 0;
  std::string status;
  s << "SELECT id, status FROM sales_reports WHERE account_id = :a AND message_id = :m AND status <> 'failed'",
    soci::into(id), soci::into(status), soci::use(account), soci::use(message_id);
  if (!s.got_data())
    return std::nullopt;
  return std::pair{id, status};
}

long long insert_report(soci::session& s, const sales_report& r, const std::string& status) {
  long long account = r.account_id, now = domain::now_millis(), files = r.number_of_files, id = 0;
  soci::indicator message_ind = r.message_id.empty() ? soci::i_null : soci::i_ok;
  s << "INSERT INTO sales_reports (account_id, format, sha256, message_id, status, file_path, created_at, number_of_files) "
       "VALUES (:a, :f, :h, :m, :s, :p, :c, :n) RETURNING id",
    soci::use(account), soci::use(r.format), soci::use(r.sha256), soci::use(r.message_id, message_ind),
    soci::use(status), soci::use(r.file_path), soci::use(now), soci::use(files), soci::into(id);
  return id;
}

void insert_file(soci::session& s, long long report, const report_file& f) {
  long long number = f.number, bytes = f.bytes, now = domain::now_millis();
  s << "INSERT INTO sales_report_files (report_id, file_number, sha256, bytes, file_path, received_at) "
       "VALUES (:r, :n, :h, :b, :p, :t)",
    soci::use(report), soci::use(number), soci::use(f.sha256), soci::use(bytes), soci::use(f.path), soci::use(now);
}

/// Queues the report's import job and links it to the report.
domain::job queue_import(soci::session& s, long long report, domain::new_job job) {
  job.payload = R"({"reportId":)" + std::to_string(report) + "}";
  long long job_id = insert_job(s, job);
  s << "UPDATE sales_reports SET job_id = :j, status = 'importing' WHERE id = :id", soci::use(job_id), soci::use(report);
  return *select_job(s, job_id);
}

} // namespace

std::pair<sales_report, domain::job> soci_sales_store::create_report(const sales_report& r, domain::new_job job) {
  std::pair<sales_report, domain::job> out;
  pool_.transact([&](soci::session& s) {
    long long account = r.account_id;
    lock_account_reports(s, account);
    refuse_known_file(s, account, r.sha256);
    if (!r.message_id.empty())
      if (const auto existing = report_of_message(s, account, r.message_id))
        throw duplicate_report("MessageId " + r.message_id + " was already sent as sales report " +
                                 std::to_string(existing->first),
                               existing->first);
    const auto id = insert_report(s, r, "importing");
    report_file file{1, r.sha256, 0, r.file_path, 0};
    if (!r.files.empty())
      file = r.files.front();
    insert_file(s, id, file);
    auto queued = queue_import(s, id, std::move(job));
    out = {*select_report(s, id), std::move(queued)};
  });
  return out;
}

std::pair<sales_report, std::optional<domain::job>>
soci_sales_store::add_report_file(const sales_report& r, const report_file& file, domain::new_job job) {
  std::pair<sales_report, std::optional<domain::job>> out;
  pool_.transact([&](soci::session& s) {
    long long account = r.account_id;
    lock_account_reports(s, account);
    refuse_known_file(s, account, file.sha256);
    long long id = 0;
    if (const auto existing = report_of_message(s, account, r.message_id)) {
      id = existing->first;
      const auto known = *select_report(s, id);
      if (existing->second != "waiting")
        throw duplicate_report("MessageId " + r.message_id + " was already sent as sales report " + std::to_string(id) +
                                 " (" + existing->second + ")",
                               id);
      if (known.number_of_files != r.number_of_files)
        throw duplicate_report("sales report " + std::to_string(id) + " (MessageId " + r.message_id + ") has " +
                                 std::to_string(known.number_of_files) + " files, this file says " +
                                 std::to_string(r.number_of_files),
                               id);
      for (const auto& f : known.files)
        if (f.number == file.number)
          throw duplicate_report("file " + std::to_string(file.number) + " of " + std::to_string(r.number_of_files) +
                                   " of MessageId " + r.message_id + " is already in sales report " + std::to_string(id),
                                 id);
    } else {
      auto first = r;
      first.sha256 = file.sha256;
      first.file_path = file.path;
      id = insert_report(s, first, "waiting");
    }
    insert_file(s, id, file);
    long long received = 0;
    s << "SELECT COUNT(*) FROM sales_report_files WHERE report_id = :r", soci::into(received), soci::use(id);
    if (received == r.number_of_files)
      out.second = queue_import(s, id, std::move(job));
    out.first = *select_report(s, id);
  });
  return out;
}

std::optional<sales_report> soci_sales_store::find_report(std::int64_t id, std::optional<std::int64_t> account) {
  std::optional<sales_report> out;
  pool_.run([&](soci::session& s) { out = select_report(s, id); });
  if (out && account && out->account_id != *account)
    return std::nullopt; // another account's report does not exist for this caller
  return out;
}

void soci_sales_store::clear_rows(std::int64_t report) {
  long long id = report;
  pool_.transact([&](soci::session& s) {
    s << "DELETE FROM usage_rows WHERE report_id = :r", soci::use(id);
    s << "DELETE FROM usage_daily WHERE report_id = :r", soci::use(id);
  });
}

match_keys soci_sales_store::load_match_keys(std::int64_t account) {
  match_keys keys;
  pool_.run([&](soci::session& s) {
    keys.recordings.clear();
    keys.releases.clear();
    long long a = account, id = 0;
    std::string code;
    soci::statement recordings = (s.prepare << "SELECT id, isrc FROM recordings WHERE account_id = :a", soci::into(id),
                                  soci::into(code), soci::use(a));
    recordings.execute(false);
    while (recordings.fetch())
      keys.recordings.emplace(code, id);
    soci::indicator upc_ind = soci::i_null;
    soci::statement releases = (s.prepare << "SELECT id, upc FROM releases WHERE account_id = :a", soci::into(id),
                                soci::into(code, upc_ind), soci::use(a));
    releases.execute(false);
    while (releases.fetch())
      if (upc_ind == soci::i_ok && !code.empty())
        keys.releases.emplace(code, id);
  });
  return keys;
}

namespace {

constexpr const char* usage_columns =
  "report_id, account_id, file_number, line, platform, territory, usage_start, usage_end, isrc, upc, use_type, quantity, "
  "revenue_micros, currency, recording_id, release_id, iswc, work_title";

/// Appends `text` in COPY's text format: backslash, tab, newline and carriage return escaped.
void copy_text(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
    case '\\': out += "\\\\"; break;
    case '\t': out += "\\t"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    default: out += c;
    }
  }
}

void copy_id(std::string& out, const std::optional<std::int64_t>& id) {
  if (id)
    out += std::to_string(*id);
  else
    out += "\\N";
}

/// PostgreSQL: the rows through COPY FROM STDIN, in the caller's transaction.
void copy_rows(soci::session& s, const sales_report& r, const std::vector<stored_usage>& rows) {
  auto* conn = static_cast<soci::postgresql_session_backend*>(s.get_backend())->conn_;
  const auto check = [&](PGresult* res, ExecStatusType want) {
    const bool ok = PQresultStatus(res) == want;
    const std::string message = ok ? "" : PQresultErrorMessage(res);
    PQclear(res);
    if (!ok)
      throw store_error("COPY usage_rows failed: " + message);
  };
  check(PQexec(conn, (std::string("COPY usage_rows (") + usage_columns + ") FROM STDIN").c_str()), PGRES_COPY_IN);
  const auto prefix = std::to_string(r.id) + "\t" + std::to_string(r.account_id) + "\t";
  std::string buf;
  buf.reserve(1 << 20);
  const auto send = [&] {
    if (PQputCopyData(conn, buf.data(), static_cast<int>(buf.size())) != 1)
      throw store_error(std::string("COPY usage_rows failed: ") + PQerrorMessage(conn));
    buf.clear();
  };
  for (const auto& row : rows) {
    const auto& u = row.usage;
    buf += prefix;
    buf += std::to_string(u.file);
    buf += '\t';
    buf += std::to_string(u.line);
    for (const auto* text : {&u.platform, &u.territory, &u.usage_start, &u.usage_end, &u.isrc, &u.upc, &u.use_type}) {
      buf += '\t';
      copy_text(buf, *text);
    }
    buf += '\t';
    buf += std::to_string(u.quantity);
    buf += '\t';
    buf += std::to_string(u.revenue.value_or(0));
    buf += '\t';
    copy_text(buf, u.currency);
    buf += '\t';
    copy_id(buf, row.recording_id);
    buf += '\t';
    copy_id(buf, row.release_id);
    for (const auto* text : {&u.iswc, &u.work_title}) {
      buf += '\t';
      copy_text(buf, *text);
    }
    buf += '\n';
    if (buf.size() > (1u << 20) - 4096)
      send();
  }
  send();
  if (PQputCopyEnd(conn, nullptr) != 1)
    throw store_error(std::string("COPY usage_rows failed: ") + PQerrorMessage(conn));
  while (PGresult* res = PQgetResult(conn))
    check(res, PGRES_COMMAND_OK);
}

/// SQLite: one prepared INSERT run for every row (column vectors bound once).
void insert_each(soci::session& s, const sales_report& r, const std::vector<stored_usage>& rows) {
  std::vector<long long> report(rows.size(), r.id), account(rows.size(), r.account_id), file, line, quantity, revenue,
    recording, release;
  std::vector<soci::indicator> recording_ind, release_ind;
  std::vector<std::string> platform, territory, start, end, isrc, upc, use_type, currency, iswc, work_title;
  for (const auto& row : rows) {
    const auto& u = row.usage;
    file.push_back(u.file);
    line.push_back(u.line);
    iswc.push_back(u.iswc);
    work_title.push_back(u.work_title);
    quantity.push_back(u.quantity);
    revenue.push_back(u.revenue.value_or(0));
    platform.push_back(u.platform);
    territory.push_back(u.territory);
    start.push_back(u.usage_start);
    end.push_back(u.usage_end);
    isrc.push_back(u.isrc);
    upc.push_back(u.upc);
    use_type.push_back(u.use_type);
    currency.push_back(u.currency);
    recording.push_back(row.recording_id.value_or(0));
    recording_ind.push_back(row.recording_id ? soci::i_ok : soci::i_null);
    release.push_back(row.release_id.value_or(0));
    release_ind.push_back(row.release_id ? soci::i_ok : soci::i_null);
  }
  s << std::string("INSERT INTO usage_rows (") + usage_columns +
         ") VALUES (:r, :a, :n, :l, :p, :t, :s, :e, :i, :u, :k, :q, :v, :c, :rec, :rel, :w, :wt)",
    soci::use(report), soci::use(account), soci::use(file), soci::use(line), soci::use(platform), soci::use(territory), soci::use(start),
    soci::use(end), soci::use(isrc), soci::use(upc), soci::use(use_type), soci::use(quantity), soci::use(revenue),
    soci::use(currency), soci::use(recording, recording_ind), soci::use(release, release_ind), soci::use(iswc),
    soci::use(work_title);
}

} // namespace

void soci_sales_store::insert_rows(const sales_report& r, const std::vector<stored_usage>& rows) {
  if (rows.empty())
    return;
  pool_.transact([&](soci::session& s) {
    if (s.get_backend_name() == "postgresql")
      copy_rows(s, r, rows);
    else
      insert_each(s, r, rows);
  });
}

namespace {

/// The report's daily totals from what the import counted (one prepared INSERT for all).
void insert_daily(soci::session& s, long long report, long long account, const std::vector<daily_total>& daily) {
  if (daily.empty())
    return;
  std::vector<long long> reports(daily.size(), report), accounts(daily.size(), account), recording, release, streams,
    downloads, quantity, revenue;
  std::vector<soci::indicator> recording_ind, release_ind;
  std::vector<std::string> day, platform, territory, currency;
  for (const auto& d : daily) {
    recording.push_back(d.recording_id.value_or(0));
    recording_ind.push_back(d.recording_id ? soci::i_ok : soci::i_null);
    release.push_back(d.release_id.value_or(0));
    release_ind.push_back(d.release_id ? soci::i_ok : soci::i_null);
    day.push_back(d.day);
    platform.push_back(d.platform);
    territory.push_back(d.territory);
    currency.push_back(d.currency);
    streams.push_back(d.streams);
    downloads.push_back(d.downloads);
    quantity.push_back(d.quantity);
    revenue.push_back(d.revenue);
  }
  s << "INSERT INTO usage_daily (report_id, account_id, recording_id, release_id, day, platform, territory, currency, "
       "streams, downloads, quantity, revenue_micros) VALUES (:r, :a, :rec, :rel, :d, :p, :t, :c, :s, :dl, :q, :v)",
    soci::use(reports), soci::use(accounts), soci::use(recording, recording_ind), soci::use(release, release_ind),
    soci::use(day), soci::use(platform), soci::use(territory), soci::use(currency), soci::use(streams),
    soci::use(downloads), soci::use(quantity), soci::use(revenue);
}

} // namespace

sales_report soci_sales_store::complete_report(std::int64_t report, const std::string& message_id,
                                               const std::string& platform, const std::string& usage_start,
                                               const std::string& usage_end, const import_totals* totals) {
  sales_report out;
  pool_.transact([&](soci::session& s) {
    long long id = report, now = domain::now_millis();
    const auto r = select_report(s, id);
    if (!r)
      throw store_error("no sales report " + std::to_string(report));
    // The daily totals analytics and royalties read; written once, as the rows start to count.
    s << "DELETE FROM usage_daily WHERE report_id = :r", soci::use(id);
    if (totals && totals->daily_complete)
      insert_daily(s, id, r->account_id, totals->daily);
    else
      s << "INSERT INTO usage_daily (report_id, account_id, recording_id, release_id, day, platform, territory, currency, "
           "streams, downloads, quantity, revenue_micros) "
           "SELECT report_id, account_id, recording_id, release_id, usage_start, platform, territory, currency, "
           "SUM(CASE WHEN LOWER(use_type) LIKE '%stream%' THEN quantity ELSE 0 END), "
           "SUM(CASE WHEN LOWER(use_type) LIKE '%download%' THEN quantity ELSE 0 END), SUM(quantity), SUM(revenue_micros) "
           "FROM usage_rows WHERE report_id = :r AND (recording_id IS NOT NULL OR release_id IS NOT NULL) "
           "GROUP BY report_id, account_id, recording_id, release_id, usage_start, platform, territory, currency",
        soci::use(id);
    long long total = totals ? totals->rows : 0, unmatched = totals ? totals->unmatched : 0;
    if (!totals)
      s << "SELECT COUNT(*), COALESCE(SUM(CASE WHEN recording_id IS NULL AND release_id IS NULL THEN 1 ELSE 0 END), 0) "
           "FROM usage_rows WHERE report_id = :r",
        soci::into(total), soci::into(unmatched), soci::use(id);
    soci::indicator message_ind = message_id.empty() ? soci::i_null : soci::i_ok;
    s << "UPDATE sales_reports SET status = 'imported', message_id = :m, platform = :p, usage_start = :s, usage_end = :e, "
         "rows_total = :t, rows_unmatched = :u, finished_at = :f WHERE id = :id",
      soci::use(message_id, message_ind), soci::use(platform), soci::use(usage_start), soci::use(usage_end),
      soci::use(total), soci::use(unmatched), soci::use(now), soci::use(id);
    out = *select_report(s, id);
  });
  return out;
}

void soci_sales_store::fail_report(std::int64_t report, const std::string& problems_json) {
  pool_.transact([&](soci::session& s) {
    long long id = report, now = domain::now_millis();
    s << "DELETE FROM usage_rows WHERE report_id = :r", soci::use(id);
    s << "DELETE FROM usage_daily WHERE report_id = :r", soci::use(id);
    s << "UPDATE sales_reports SET status = 'failed', problems = :p, rows_total = 0, rows_unmatched = 0, finished_at = :f "
         "WHERE id = :id",
      soci::use(problems_json), soci::use(now), soci::use(id);
  });
}

std::vector<stored_usage> soci_sales_store::unmatched_rows(std::int64_t report, int limit) {
  std::vector<stored_usage> out;
  pool_.run([&](soci::session& s) {
    out.clear();
    long long id = report, lim = std::max(limit, 1), file = 1, line = 0, quantity = 0, revenue = 0;
    domain::sales::usage u;
    soci::statement st = (s.prepare << "SELECT file_number, line, platform, territory, usage_start, usage_end, isrc, upc, "
                                       "use_type, quantity, revenue_micros, currency, iswc, work_title FROM usage_rows "
                                       "WHERE report_id = :r AND recording_id IS NULL AND release_id IS NULL "
                                       "ORDER BY file_number, line LIMIT :l",
                          soci::into(file), soci::into(line), soci::into(u.platform), soci::into(u.territory), soci::into(u.usage_start),
                          soci::into(u.usage_end), soci::into(u.isrc), soci::into(u.upc), soci::into(u.use_type),
                          soci::into(quantity), soci::into(revenue), soci::into(u.currency), soci::into(u.iswc),
                          soci::into(u.work_title), soci::use(id), soci::use(lim));
    st.execute(false);
    while (st.fetch()) {
      u.file = file;
      u.line = line;
      u.quantity = quantity;
      u.revenue = revenue;
      out.push_back({u, std::nullopt, std::nullopt});
    }
  });
  return out;
}

std::vector<analytics_bucket> soci_sales_store::analytics(const analytics_scope& scope) {
  // The group column comes from this fixed list, never from the request.
  const std::string key = scope.group == analytics_group::day        ? "day"
                          : scope.group == analytics_group::platform ? "platform"
                                                                     : "territory";
  // Daily totals exist only for imported reports. A release's are those matched to it by UPC plus
  // those without a release whose recording is on it: two index scans (a UNION ALL, not an OR,
  // which PostgreSQL would answer by scanning far more).
  const std::string columns = "SELECT " + key + " AS k, currency, streams, downloads, quantity, revenue_micros FROM usage_daily ";
  const std::string source =
    scope.release ? columns + "WHERE release_id = :id AND day >= :f AND day <= :t UNION ALL " + columns +
                      "WHERE release_id IS NULL AND recording_id IN (SELECT recording_id FROM tracks WHERE release_id = :id2) "
                      "AND day >= :f2 AND day <= :t2"
                  : columns + "WHERE recording_id = :id AND day >= :f AND day <= :t";
  std::vector<analytics_bucket> out;
  pool_.run([&](soci::session& s) {
    out.clear();
    long long id = scope.id, second = scope.id, streams = 0, downloads = 0, quantity = 0, revenue = 0;
    analytics_bucket b;
    auto temp = (s.prepare << "SELECT k, currency, CAST(SUM(streams) AS BIGINT), CAST(SUM(downloads) AS BIGINT), "
                              "CAST(SUM(quantity) AS BIGINT), CAST(SUM(revenue_micros) AS BIGINT) FROM (" +
                                source + ") u GROUP BY k, currency ORDER BY k, currency",
                 soci::into(b.key), soci::into(b.currency), soci::into(streams), soci::into(downloads),
                 soci::into(quantity), soci::into(revenue), soci::use(id), soci::use(scope.from), soci::use(scope.to));
    if (scope.release)
      temp, soci::use(second), soci::use(scope.from), soci::use(scope.to);
    soci::statement st(temp);
    st.execute(false);
    while (st.fetch()) {
      b.streams = streams;
      b.downloads = downloads;
      b.quantity = quantity;
      b.revenue = revenue;
      out.push_back(b);
    }
  });
  return out;
}

} // namespace tunemantra::persistence
