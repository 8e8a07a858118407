#include "persistence/soci_delivery_store.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>
#include <soci/soci.h>

#include "domain/time.hpp"
#include "persistence/errors.hpp"
#include "persistence/job_rows.hpp"

namespace tunemantra::persistence {
namespace {

constexpr const char* platform_columns =
  "id, code, name, enabled, max_concurrency, rate_per_minute, max_attempts, connector, created_at, updated_at";

struct platform_row {
  domain::platform p;
  long long id = 0, created = 0, updated = 0;
  int enabled = 1;
  std::string connector;
  void bind(soci::details::prepare_temp_type& t) {
    t, soci::into(id), soci::into(p.code), soci::into(p.name), soci::into(enabled), soci::into(p.max_concurrency),
      soci::into(p.rate_per_minute), soci::into(p.max_attempts), soci::into(connector), soci::into(created),
      soci::into(updated);
  }
  domain::platform get() const {
    auto out = p;
    out.id = id;
    out.enabled = enabled != 0;
    out.connector = domain::connector_from_stored(connector);
    out.created_at = created;
    out.updated_at = updated;
    return out;
  }
};

constexpr const char* delivery_columns =
  "id, job_id, account_id, release_id, platform_id, action, status, attempts, last_error, message_id, batch_id, "
  "ack_text, next_attempt_at, scheduled_at, delivered_at, acknowledged_at, created_at, updated_at";

struct delivery_row {
  domain::delivery d;
  long long id = 0, job = 0, account = 0, release = 0, platform = 0, next = 0, scheduled = 0, delivered = 0,
            acknowledged = 0, created = 0, updated = 0;
  std::string action, status;
  soci::indicator job_ind = soci::i_null, scheduled_ind = soci::i_null, delivered_ind = soci::i_null,
                  acknowledged_ind = soci::i_null;
  void bind(soci::details::prepare_temp_type& t) {
    t, soci::into(id), soci::into(job, job_ind), soci::into(account), soci::into(release), soci::into(platform),
      soci::into(action), soci::into(status), soci::into(d.attempts), soci::into(d.last_error), soci::into(d.message_id),
      soci::into(d.batch_id), soci::into(d.ack_text), soci::into(next), soci::into(scheduled, scheduled_ind),
      soci::into(delivered, delivered_ind), soci::into(acknowledged, acknowledged_ind), soci::into(created),
      soci::into(updated);
  }
  domain::delivery get() const {
    auto out = d;
    out.id = id;
    out.job_id = job_ind == soci::i_ok ? job : 0;
    out.account_id = account;
    out.release_id = release;
    out.platform_id = platform;
    out.action = action == "takedown" ? domain::ern_action::takedown
                 : action == "update" ? domain::ern_action::update
                                      : domain::ern_action::initial;
    out.status = domain::parse_delivery_status(status).value_or(domain::delivery_status::failed);
    out.next_attempt_at = next;
    if (scheduled_ind == soci::i_ok)
      out.scheduled_at = scheduled;
    if (delivered_ind == soci::i_ok)
      out.delivered_at = delivered;
    if (acknowledged_ind == soci::i_ok)
      out.acknowledged_at = acknowledged;
    out.created_at = created;
    out.updated_at = updated;
    return out;
  }
};

/// Rows of `sql` (with `bind` adding its parameters) as Items.
template <class Row, class Bind>
auto select_all(soci::session& s, const std::string& sql, Bind bind) {
  Row row;
  std::vector<decltype(row.get())> out;
  auto temp = (s.prepare << sql);
  row.bind(temp);
  bind(temp);
  soci::statement st(temp);
  st.execute(false);
  while (st.fetch())
    out.push_back(row.get());
  return out;
}

/// Inserts the release's deliveries to `platforms` (two statements, however many) and gives each
/// its MessageId `TM-<job>-<delivery>`: unique per delivery, stable across retries and restarts,
/// the platform's dedupe key. Only the job's own creator or actor inserts under a job, so the
/// rows past the first new id are these.
void insert_deliveries(soci::session& s, bool postgresql, long long job_id, long long account, long long release,
                       const std::vector<std::int64_t>& platforms, const std::string& action, const std::string& status,
                       std::optional<domain::millis> scheduled_at) {
  if (platforms.empty())
    return;
  long long now = domain::now_millis(), scheduled = scheduled_at.value_or(0);
  soci::indicator scheduled_ind = scheduled_at ? soci::i_ok : soci::i_null;
  std::string list;
  for (const auto p : platforms)
    list += (list.empty() ? "" : ",") + std::to_string(p);
  list = postgresql ? "{" + list + "}" : "[" + list + "]";
  const std::string rows = postgresql ? "unnest(CAST(:ps AS BIGINT[])) AS p(id)" : "(SELECT value AS id FROM json_each(:ps)) AS p";
  // The placeholder MessageId (unique per job, release and platform) lives only inside this transaction.
  const std::string insert =
    "INSERT INTO deliveries (job_id, account_id, release_id, platform_id, action, status, message_id, "
    "scheduled_at, created_at, updated_at) SELECT :j, :a, :r, p.id, :ac, :s, "
    "'new-' || CAST(:j2 AS TEXT) || '-' || CAST(:r2 AS TEXT) || '-' || CAST(p.id AS TEXT), :sc, :c, :u FROM " + rows
    + " ORDER BY p.id";
  auto temp = (s.prepare << insert + (postgresql ? " RETURNING id" : ""));
  temp, soci::use(job_id), soci::use(account), soci::use(release), soci::use(action), soci::use(status),
    soci::use(job_id), soci::use(release), soci::use(scheduled, scheduled_ind), soci::use(now), soci::use(now),
    soci::use(list);
  long long lo = 0, hi = 0;
  if (postgresql) {
    std::vector<long long> ids(platforms.size());
    temp, soci::into(ids);
    soci::statement st(temp);
    st.execute(true);
    if (ids.size() != platforms.size())
      throw store_error("inserted " + std::to_string(ids.size()) + " deliveries of " + std::to_string(platforms.size()));
    lo = *std::min_element(ids.begin(), ids.end());
    hi = *std::max_element(ids.begin(), ids.end());
  } else { // one writer at a time: the statement's rows take the rowids up to the last
    soci::statement st(temp);
    st.execute(true);
    s << "SELECT last_insert_rowid()", soci::into(hi);
    lo = hi - static_cast<long long>(platforms.size()) + 1;
  }
  soci::statement named = (s.prepare << "UPDATE deliveries SET message_id = 'TM-' || CAST(job_id AS TEXT) || '-' || "
                                        "CAST(id AS TEXT) WHERE job_id = :j AND id BETWEEN :lo AND :hi "
                                        "AND message_id LIKE 'new-%'",
                           soci::use(job_id), soci::use(lo), soci::use(hi));
  named.execute(true);
  if (named.get_affected_rows() != static_cast<long long>(platforms.size()))
    throw store_error("named " + std::to_string(named.get_affected_rows()) + " new deliveries of "
                      + std::to_string(platforms.size()));
}

constexpr const char* open_statuses = "('pending', 'scheduled', 'delivering', 'takedown_pending')";

std::optional<domain::platform> platform_by_id(soci::session& s, long long id) {
  auto rows = select_all<platform_row>(s, std::string("SELECT ") + platform_columns + " FROM platforms WHERE id = :i",
                                       [&](auto& t) { t, soci::use(id); });
  if (rows.empty())
    return std::nullopt;
  return rows.front();
}

/// The deliveries matching `tail` ("WHERE ... ORDER BY ..."; `bind` adds its parameters).
template <class Bind>
std::vector<domain::delivery> deliveries_where(soci::session& s, const std::string& tail, Bind bind) {
  return select_all<delivery_row>(s, std::string("SELECT ") + delivery_columns + " FROM deliveries " + tail, bind);
}

/// The one delivery matching `where` (one placeholder, bound to `value`).
template <class T>
std::optional<domain::delivery> delivery_where(soci::session& s, const std::string& where, const T& value) {
  auto rows = select_all<delivery_row>(s, std::string("SELECT ") + delivery_columns + " FROM deliveries WHERE " + where,
                                       [&](auto& t) { t, soci::use(value); });
  if (rows.empty())
    return std::nullopt;
  return rows.front();
}

} // namespace

std::optional<domain::platform> soci_delivery_store::create_platform(const domain::platform& p) {
  std::optional<domain::platform> out;
  pool_.transact([&](soci::session& s) {
    int taken = 0;
    s << "SELECT COUNT(*) FROM platforms WHERE code = :c", soci::use(p.code), soci::into(taken);
    if (taken) {
      out.reset();
      return;
    }
    long long now = domain::now_millis(), id = 0;
    int enabled = p.enabled ? 1 : 0;
    const auto& connector = p.connector.settings;
    s << "INSERT INTO platforms (code, name, enabled, max_concurrency, rate_per_minute, max_attempts, connector, "
         "created_at, updated_at) VALUES (:c, :n, :e, :mc, :r, :ma, :co, :cr, :u) RETURNING id",
      soci::use(p.code), soci::use(p.name), soci::use(enabled), soci::use(p.max_concurrency),
      soci::use(p.rate_per_minute), soci::use(p.max_attempts), soci::use(connector), soci::use(now), soci::use(now),
      soci::into(id);
    out = platform_by_id(s, id);
  });
  forget_platforms();
  return out;
}

std::optional<domain::platform> soci_delivery_store::find_platform(std::int64_t id) {
  std::optional<domain::platform> out;
  pool_.run([&](soci::session& s) { out = platform_by_id(s, id); });
  return out;
}

std::vector<domain::platform> soci_delivery_store::list_platforms() {
  std::vector<domain::platform> out;
  pool_.run([&](soci::session& s) {
    out = select_all<platform_row>(s, std::string("SELECT ") + platform_columns + " FROM platforms ORDER BY id",
                                   [](auto&) {});
  });
  return out;
}

std::vector<domain::platform> soci_delivery_store::cached_platforms() {
  const auto now = std::chrono::steady_clock::now();
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(platforms_mutex_);
    if (platforms_ && now - platforms_read_ < std::chrono::milliseconds(platform_cache_ms))
      return *platforms_;
    generation = platforms_generation_;
  }
  auto fresh = std::make_shared<const std::vector<domain::platform>>(list_platforms());
  std::lock_guard lock(platforms_mutex_);
  if (generation == platforms_generation_) {
    platforms_ = fresh;
    platforms_read_ = now;
  }
  return *fresh;
}

void soci_delivery_store::forget_platforms() {
  std::lock_guard lock(platforms_mutex_);
  platforms_.reset();
  ++platforms_generation_;
}

std::optional<domain::platform> soci_delivery_store::update_platform(const domain::platform& p) {
  std::optional<domain::platform> out;
  pool_.transact([&](soci::session& s) {
    long long id = p.id, now = domain::now_millis();
    int enabled = p.enabled ? 1 : 0;
    const auto& connector = p.connector.settings;
    soci::statement st = (s.prepare << "UPDATE platforms SET name = :n, enabled = :e, max_concurrency = :mc, "
                                       "rate_per_minute = :r, max_attempts = :ma, connector = :co, updated_at = :u "
                                       "WHERE id = :i",
                          soci::use(p.name), soci::use(enabled), soci::use(p.max_concurrency),
                          soci::use(p.rate_per_minute), soci::use(p.max_attempts), soci::use(connector),
                          soci::use(now), soci::use(id));
    st.execute(true);
    out = st.get_affected_rows() == 1 ? platform_by_id(s, id) : std::nullopt;
  });
  forget_platforms();
  return out;
}

domain::job soci_delivery_store::create_deliveries(const domain::new_job& job, std::int64_t account,
                                                   std::int64_t release, const std::vector<std::int64_t>& platforms,
                                                   domain::ern_action action) {
  domain::job out;
  pool_.transact([&](soci::session& s) {
    const long long job_id = insert_job(s, job);
    const auto status = job.scheduled_at ? domain::delivery_status::scheduled
                        : action == domain::ern_action::takedown ? domain::delivery_status::takedown_pending
                                                                 : domain::delivery_status::pending;
    const std::string status_text{domain::to_string(status)}, action_text{domain::to_string(action)};
    insert_deliveries(s, pool_.url().backend == backend_kind::postgresql, job_id, account, release, platforms,
                      action_text, status_text, job.scheduled_at);
    long long total = static_cast<long long>(platforms.size());
    s << "UPDATE jobs SET progress_total = :t WHERE id = :i", soci::use(total), soci::use(job_id);
    out = *select_job(s, job_id);
  });
  return out;
}

std::optional<domain::delivery> soci_delivery_store::find_delivery(std::int64_t id) {
  std::optional<domain::delivery> out;
  pool_.run([&](soci::session& s) {
    out = delivery_where(s, "id = :i", static_cast<long long>(id));
  });
  return out;
}

std::optional<domain::delivery> soci_delivery_store::find_delivery_by_message(const std::string& message_id) {
  std::optional<domain::delivery> out;
  pool_.run([&](soci::session& s) { out = delivery_where(s, "message_id = :m", message_id); });
  return out;
}

std::vector<domain::delivery> soci_delivery_store::sent_deliveries_of_upc(std::int64_t platform_id, const std::string& upc) {
  std::vector<domain::delivery> out;
  long long platform = platform_id;
  pool_.run([&](soci::session& s) {
    out = deliveries_where(s,
                           "WHERE platform_id = :p AND (batch_id IS NOT NULL OR delivered_at IS NOT NULL) "
                           "AND release_id IN (SELECT id FROM releases WHERE upc = :u) "
                           "ORDER BY COALESCE(delivered_at, 0) DESC, id DESC LIMIT 50",
                           [&](auto& t) { t, soci::use(platform), soci::use(upc); });
  });
  return out;
}

std::vector<domain::delivery> soci_delivery_store::deliveries_of_job(std::int64_t job_id) {
  std::vector<domain::delivery> out;
  long long job = job_id;
  pool_.run([&](soci::session& s) {
    out = deliveries_where(s, "WHERE job_id = :j ORDER BY id", [&](auto& t) { t, soci::use(job); });
  });
  return out;
}

std::vector<domain::delivery> soci_delivery_store::latest_deliveries(std::int64_t account, std::int64_t release) {
  std::vector<domain::delivery> out;
  long long acc = account, rel = release;
  pool_.run([&](soci::session& s) {
    out = select_all<delivery_row>(
      s,
      std::string("SELECT ") + delivery_columns
        + " FROM deliveries d WHERE account_id = :a AND release_id = :r AND id = (SELECT MAX(id) FROM deliveries d2 "
          "WHERE d2.release_id = d.release_id AND d2.platform_id = d.platform_id) ORDER BY platform_id",
      [&](auto& t) { t, soci::use(acc), soci::use(rel); });
  });
  return out;
}

namespace {

/// The `data` of a delivery's job event.
std::string delivery_event_data(long long delivery, long long platform, const std::string& status) {
  return R"({"deliveryId":)" + std::to_string(delivery) + R"(,"platformId":)" + std::to_string(platform)
         + R"(,"status":")" + status + R"("})";
}

/// One compare-and-set inside the caller's transaction, with its job event; true when it applied.
/// One statement (one round trip): unset fields keep their value through COALESCE of a NULL.
bool apply_transition(soci::session& s, const delivery_transition& t) {
  if (t.from.empty())
    return false;
  const auto& change = t.change;
  long long id = t.delivery_id, now = domain::now_millis(), attempt = change.count_attempt ? 1 : 0;
  const std::string to{domain::to_string(change.status)};
  const std::string from = domain::status_set_text(t.from);
  const std::string in_set = s.get_backend_name() == "postgresql" ? "strpos(:f, ',' || status || ',') > 0"
                                                                  : "instr(:f, ',' || status || ',') > 0";
  auto text = [](const std::optional<std::string>& v) { return std::make_pair(v.value_or(""), v ? soci::i_ok : soci::i_null); };
  auto millis = [](const std::optional<domain::millis>& v) {
    return std::make_pair(static_cast<long long>(v.value_or(0)), v ? soci::i_ok : soci::i_null);
  };
  auto [error, error_ind] = text(change.last_error);
  auto [batch, batch_ind] = text(change.batch_id);
  auto [ack, ack_ind] = text(change.ack_text);
  auto [delivered, delivered_ind] = millis(change.delivered_at);
  auto [acknowledged, acknowledged_ind] = millis(change.acknowledged_at);
  auto [next, next_ind] = millis(change.next_attempt_at);
  long long job = 0, platform = 0;
  soci::indicator job_ind = soci::i_null, platform_ind = soci::i_null;
  // Race-free on both databases: the status test and the write are one statement.
  s << "UPDATE deliveries SET status = :to, updated_at = :u, attempts = attempts + :inc, "
       "last_error = COALESCE(:le, last_error), batch_id = COALESCE(:b, batch_id), ack_text = COALESCE(:at, ack_text), "
       "delivered_at = COALESCE(:da, delivered_at), acknowledged_at = COALESCE(:aa, acknowledged_at), "
       "next_attempt_at = COALESCE(:na, next_attempt_at) "
       "WHERE id = :i AND " + in_set + " RETURNING job_id, platform_id",
    soci::use(to), soci::use(now), soci::use(attempt), soci::use(error, error_ind), soci::use(batch, batch_ind),
    soci::use(ack, ack_ind), soci::use(delivered, delivered_ind), soci::use(acknowledged, acknowledged_ind),
    soci::use(next, next_ind), soci::use(id), soci::use(from), soci::into(job, job_ind),
    soci::into(platform, platform_ind);
  if (platform_ind != soci::i_ok)
    return false; // not in an expected status: nothing written
  if (job_ind == soci::i_ok && !change.event.empty())
    insert_event(s, job, "delivery", change.event, delivery_event_data(id, platform, to));
  return true;
}

} // namespace

bool soci_delivery_store::transition(std::int64_t delivery_id, const std::vector<domain::delivery_status>& from,
                                     const delivery_change& change) {
  return transition_all({delivery_transition{delivery_id, from, change}}).front();
}

namespace {

/// PostgreSQL: every transition of the batch in two statements (the compare-and-sets as one
/// UPDATE over a JSON row set, then their events as one INSERT), however many there are. The
/// deliveries must be distinct. `applied[i]` is set for each transition that took.
void apply_transitions_at_once(soci::session& s, const std::vector<delivery_transition>& batch, std::vector<bool>& applied) {
  using nlohmann::json;
  auto text = [](const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); };
  auto millis = [](const std::optional<domain::millis>& v) { return v ? json(*v) : json(nullptr); };
  auto rows = json::array();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& t = batch[i];
    if (t.from.empty())
      continue;
    const auto& c = t.change;
    rows.push_back({{"i", i}, {"id", t.delivery_id}, {"st", domain::to_string(c.status)}, {"inc", c.count_attempt ? 1 : 0},
                    {"le", text(c.last_error)}, {"b", text(c.batch_id)}, {"ak", text(c.ack_text)},
                    {"da", millis(c.delivered_at)}, {"aa", millis(c.acknowledged_at)}, {"na", millis(c.next_attempt_at)},
                    {"fs", domain::status_set_text(t.from)}});
  }
  if (rows.empty())
    return;
  // Platform answers may hold anything: bytes that are not UTF-8 are replaced, never thrown on.
  const auto rows_text = rows.dump(-1, ' ', false, json::error_handler_t::replace);
  long long now = domain::now_millis(), i = 0, job = 0, platform = 0;
  soci::indicator job_ind = soci::i_null;
  soci::statement st =
    (s.prepare << "UPDATE deliveries d SET status = x.st, updated_at = :u, attempts = d.attempts + x.inc, "
                  "last_error = COALESCE(x.le, d.last_error), batch_id = COALESCE(x.b, d.batch_id), "
                  "ack_text = COALESCE(x.ak, d.ack_text), delivered_at = COALESCE(x.da, d.delivered_at), "
                  "acknowledged_at = COALESCE(x.aa, d.acknowledged_at), next_attempt_at = COALESCE(x.na, d.next_attempt_at) "
                  "FROM json_to_recordset(CAST(:rows AS JSON)) AS x(i BIGINT, id BIGINT, st TEXT, inc INTEGER, le TEXT, "
                  "b TEXT, ak TEXT, da BIGINT, aa BIGINT, na BIGINT, fs TEXT) "
                  "WHERE d.id = x.id AND strpos(x.fs, ',' || d.status || ',') > 0 RETURNING x.i, d.job_id, d.platform_id",
     soci::use(now), soci::use(rows_text), soci::into(i), soci::into(job, job_ind), soci::into(platform));
  st.execute(false);
  std::map<long long, json> by_position; // events in the batch's order, as the one-by-one path writes them
  while (st.fetch()) {
    const auto& t = batch[static_cast<std::size_t>(i)];
    applied[static_cast<std::size_t>(i)] = true;
    if (job_ind != soci::i_ok || t.change.event.empty())
      continue;
    by_position[i] = {{"j", job}, {"m", t.change.event},
                      {"d", delivery_event_data(t.delivery_id, platform, std::string(domain::to_string(t.change.status)))}};
  }
  if (by_position.empty())
    return;
  auto events = json::array();
  for (auto& [position, event] : by_position)
    events.push_back(std::move(event));
  const auto events_text = events.dump(-1, ' ', false, json::error_handler_t::replace);
  s << "INSERT INTO job_events (job_id, at, type, message, data) SELECT e.j, :a, 'delivery', e.m, e.d "
       "FROM json_to_recordset(CAST(:ev AS JSON)) AS e(j BIGINT, m TEXT, d TEXT)",
    soci::use(now), soci::use(events_text);
}

} // namespace

std::vector<bool> soci_delivery_store::transition_all(const std::vector<delivery_transition>& batch) {
  std::vector<bool> applied(batch.size(), false);
  if (batch.empty())
    return applied;
  const bool postgresql = pool_.url().backend == backend_kind::postgresql;
  std::vector<job_lease> fences;
  std::set<std::pair<std::int64_t, std::int64_t>> fenced; // (job, epoch), each checked once
  std::set<std::int64_t> ids;
  for (const auto& t : batch) {
    if (t.fence && fenced.emplace(t.fence->job_id, t.fence->epoch).second)
      fences.push_back(*t.fence);
    ids.insert(t.delivery_id);
  }
  // Set-based where round trips cost (PostgreSQL) and each delivery appears once; otherwise one
  // statement per transition, in order.
  const bool at_once = postgresql && batch.size() > 1 && ids.size() == batch.size();
  pool_.transact([&](soci::session& s) {
    check_leases(s, postgresql, fences);
    if (at_once) {
      apply_transitions_at_once(s, batch, applied);
      return;
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
      applied[i] = apply_transition(s, batch[i]);
  });
  return applied;
}

int soci_delivery_store::cancel_deliveries(std::int64_t job_id) {
  int cancelled = 0;
  pool_.transact([&](soci::session& s) {
    long long job = job_id, now = domain::now_millis();
    soci::statement st = (s.prepare << "UPDATE deliveries SET status = 'cancelled', updated_at = :u WHERE job_id = :j "
                                       "AND status IN ('pending', 'scheduled', 'takedown_pending')",
                          soci::use(now), soci::use(job));
    st.execute(true);
    cancelled = static_cast<int>(st.get_affected_rows());
    if (cancelled)
      insert_event(s, job, "delivery", std::to_string(cancelled) + " pending deliveries cancelled", "null");
  });
  return cancelled;
}

std::vector<domain::delivery> soci_delivery_store::open_deliveries(std::int64_t job_id, int per_platform) {
  std::vector<domain::delivery> out;
  long long job = job_id, k = std::max(per_platform, 1);
  pool_.run([&](soci::session& s) {
    // A window per platform, so a platform whose deliveries all wait never hides another's.
    out = select_all<delivery_row>(
      s,
      std::string("SELECT ") + delivery_columns + " FROM (SELECT " + delivery_columns
        + ", ROW_NUMBER() OVER (PARTITION BY platform_id ORDER BY next_attempt_at, id) AS rn FROM deliveries "
          "WHERE job_id = :j AND status IN "
        + open_statuses + ") x WHERE rn <= :k ORDER BY next_attempt_at, id",
      [&](auto& t) { t, soci::use(job), soci::use(k); });
  });
  return out;
}

std::vector<delivery_count> soci_delivery_store::delivery_counts(std::int64_t job_id) {
  std::vector<delivery_count> out;
  long long job = job_id;
  pool_.run([&](soci::session& s) {
    out.clear();
    long long platform = 0, count = 0;
    std::string status;
    soci::statement st = (s.prepare << "SELECT platform_id, status, COUNT(*) FROM deliveries WHERE job_id = :j "
                                       "GROUP BY platform_id, status ORDER BY platform_id, status",
                          soci::into(platform), soci::into(status), soci::into(count), soci::use(job));
    st.execute(false);
    while (st.fetch())
      out.push_back({platform, domain::parse_delivery_status(status).value_or(domain::delivery_status::failed), count});
  });
  return out;
}

std::vector<domain::delivery> soci_delivery_store::failed_deliveries(std::int64_t job_id, int limit) {
  std::vector<domain::delivery> out;
  long long job = job_id, lim = std::max(limit, 1);
  pool_.run([&](soci::session& s) {
    out = deliveries_where(s, "WHERE job_id = :j AND status = 'failed' ORDER BY id LIMIT :l",
                           [&](auto& t) { t, soci::use(job), soci::use(lim); });
  });
  return out;
}

domain::job soci_delivery_store::create_bulk(const domain::new_job& job, const std::vector<std::int64_t>& releases) {
  domain::job out;
  pool_.transact([&](soci::session& s) {
    const long long job_id = insert_job(s, job);
    // Multi-row inserts: 10,000 items are a few statements, so the 202 comes at once.
    constexpr std::size_t rows_per_insert = 250;
    for (std::size_t from = 0; from < releases.size(); from += rows_per_insert) {
      const auto to = std::min(releases.size(), from + rows_per_insert);
      std::string sql = "INSERT INTO bulk_items (job_id, position, release_id, status) VALUES ";
      for (std::size_t i = from; i < to; ++i) // integers only: nothing from the client reaches the text
        sql += (i == from ? "(" : ", (") + std::to_string(job_id) + ", " + std::to_string(i) + ", "
               + std::to_string(releases[i]) + ", 'pending')";
      s << sql;
    }
    out = *select_job(s, job_id);
  });
  return out;
}

namespace {

std::vector<bulk_item> bulk_items_where(soci::session& s, long long job, const std::string& status, long long limit) {
  std::vector<bulk_item> out;
  bulk_item item;
  long long release = 0;
  soci::statement st = (s.prepare << "SELECT position, release_id, status, reason FROM bulk_items WHERE job_id = :j "
                                     "AND status = :s ORDER BY position LIMIT :l",
                        soci::into(item.position), soci::into(release), soci::into(item.status), soci::into(item.reason),
                        soci::use(job), soci::use(status), soci::use(limit));
  st.execute(false);
  while (st.fetch()) {
    item.release_id = release;
    out.push_back(item);
  }
  return out;
}

} // namespace

std::vector<bulk_item> soci_delivery_store::pending_bulk_items(std::int64_t job_id, int limit) {
  std::vector<bulk_item> out;
  pool_.run([&](soci::session& s) { out = bulk_items_where(s, job_id, "pending", std::max(limit, 1)); });
  return out;
}

std::vector<bulk_item> soci_delivery_store::invalid_bulk_items(std::int64_t job_id, int limit) {
  std::vector<bulk_item> out;
  pool_.run([&](soci::session& s) { out = bulk_items_where(s, job_id, "invalid", std::max(limit, 1)); });
  return out;
}

int soci_delivery_store::settle_bulk_items(std::int64_t job_id, std::int64_t account, const std::vector<bulk_check>& checked,
                                           const std::vector<std::int64_t>& platforms,
                                           std::optional<domain::millis> scheduled_at) {
  int created = 0;
  pool_.transact([&](soci::session& s) {
    created = 0;
    const std::string status{domain::to_string(scheduled_at ? domain::delivery_status::scheduled : domain::delivery_status::pending)};
    const std::string action{domain::to_string(domain::ern_action::initial)};
    long long job = job_id;
    for (const auto& c : checked) {
      const std::string next = c.reason.empty() ? "queued" : "invalid";
      soci::statement st = (s.prepare << "UPDATE bulk_items SET status = :s, reason = :r WHERE job_id = :j AND position = :p "
                                         "AND status = 'pending'",
                            soci::use(next), soci::use(c.reason), soci::use(job), soci::use(c.position));
      st.execute(true);
      if (st.get_affected_rows() != 1 || !c.reason.empty())
        continue; // settled before, or refused
      insert_deliveries(s, pool_.url().backend == backend_kind::postgresql, job_id, account, c.release_id, platforms,
                        action, status, scheduled_at);
      created += static_cast<int>(platforms.size());
    }
  });
  return created;
}

std::array<std::int64_t, 3> soci_delivery_store::count_bulk_items(std::int64_t job_id) {
  std::array<std::int64_t, 3> out{0, 0, 0};
  long long job = job_id;
  pool_.run([&](soci::session& s) {
    out = {0, 0, 0};
    std::string status;
    long long count = 0;
    soci::statement st = (s.prepare << "SELECT status, COUNT(*) FROM bulk_items WHERE job_id = :j GROUP BY status",
                          soci::into(status), soci::into(count), soci::use(job));
    st.execute(false);
    while (st.fetch())
      out[status == "pending" ? 0 : status == "queued" ? 1 : 2] += count;
  });
  return out;
}

int soci_delivery_store::mark_releases_distributed(std::int64_t job_id) {
  int changed = 0;
  long long job = job_id, now = domain::now_millis();
  pool_.transact([&](soci::session& s) {
    soci::statement st = (s.prepare << "UPDATE releases SET status = 'distributed', updated_at = :u WHERE status <> 'distributed' "
                                       "AND id IN (SELECT release_id FROM deliveries WHERE job_id = :j AND status = 'delivered')",
                          soci::use(now), soci::use(job));
    st.execute(true);
    changed = static_cast<int>(st.get_affected_rows());
  });
  return changed;
}

} // namespace tunemantra::persistence
