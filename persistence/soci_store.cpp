// The SOCI implementation of persistence::store for SQLite and PostgreSQL. The two differ only in
// how a write transaction starts (SQLite: BEGIN IMMEDIATE behind one writer lock) and in DDL,
// which lives in the per-backend migrations.

#include <mutex>

#include <soci/soci.h>

#include "domain/time.hpp"
#include "persistence/connection_pool.hpp"
#include "persistence/errors.hpp"
#include "persistence/job_cache.hpp"
#include "persistence/job_rows.hpp"
#include "persistence/migrations.hpp"
#include "persistence/paging.hpp"
#include "persistence/pg_channel.hpp"
#include "persistence/soci_account_store.hpp"
#include "persistence/soci_catalog_store.hpp"
#include "persistence/soci_cluster_store.hpp"
#include "persistence/soci_delivery_store.hpp"
#include "persistence/soci_royalty_store.hpp"
#include "persistence/soci_sales_store.hpp"
#include "persistence/store.hpp"

namespace tunemantra::persistence {
namespace {

using domain::job;
using domain::job_event;
using domain::job_status;

/// WHERE clause and its bound values for a job filter; values live here while the statement runs.
struct job_where {
  std::string sql = " WHERE 1=1";
  long long account = 0, from = 0, to = 0;
  std::string kind, status;

  explicit job_where(const domain::job_filter& f) {
    if (f.account_id) {
      sql += " AND account_id = :account";
      account = *f.account_id;
    }
    if (f.kind) {
      sql += " AND kind = :kind";
      kind = *f.kind;
    }
    if (f.status) {
      sql += " AND status = :status";
      status = std::string(domain::to_string(*f.status));
    }
    if (f.created_from) {
      sql += " AND created_at >= :cfrom";
      from = *f.created_from;
    }
    if (f.created_to) {
      sql += " AND created_at < :cto";
      to = *f.created_to;
    }
  }

  void bind(soci::details::prepare_temp_type& t, const domain::job_filter& f) {
    if (f.account_id)
      t, soci::use(account);
    if (f.kind)
      t, soci::use(kind);
    if (f.status)
      t, soci::use(status);
    if (f.created_from)
      t, soci::use(from);
    if (f.created_to)
      t, soci::use(to);
  }
};

/// PostgreSQL: one connection of its own for the cluster's lease renewals. SQLite (one node, one
/// writer at a time) renews through the store's pool.
std::unique_ptr<connection_pool> renewal_pool(const database_url& url, const config::database_config& cfg) {
  if (url.backend != backend_kind::postgresql)
    return nullptr;
  return std::make_unique<connection_pool>(url, pool_options{1, std::chrono::milliseconds{cfg.lease_timeout_ms},
                                                             cfg.busy_timeout_ms, cfg.connect_timeout_s,
                                                             cfg.idle_in_transaction_timeout_ms});
}

class soci_store final : public store {
public:
  explicit soci_store(const config::database_config& cfg)
    : url_(parse_database_url(cfg.url)),
      pool_(prepare(url_), pool_options{static_cast<std::size_t>(cfg.pool_size),
                                        std::chrono::milliseconds{cfg.lease_timeout_ms}, cfg.busy_timeout_ms,
                                        cfg.connect_timeout_s, cfg.idle_in_transaction_timeout_ms}),
      accounts_(pool_),
      catalog_(pool_),
      delivery_(pool_),
      sales_(pool_), royalties_(pool_), renewal_pool_(renewal_pool(url_, cfg)),
      cluster_(pool_, renewal_pool_ ? *renewal_pool_ : pool_) {
    if (url_.backend == backend_kind::postgresql)
      channel_ = std::make_unique<pg_channel>(url_.target, [this](const pg_channel::news& n) { heard(n); });
  }

  ~soci_store() override { channel_.reset(); } // its thread calls back into this store

  void announce_work() override {
    if (channel_)
      channel_->new_work();
  }

  void on_work(std::function<void()> wake) override {
    std::lock_guard lock(wake_mutex_);
    wake_ = std::move(wake);
  }

  account_store& accounts() override { return accounts_; }
  catalog_store& catalog() override { return catalog_; }
  delivery_store& delivery() override { return delivery_; }
  sales_store& sales() override { return sales_; }
  royalty_store& royalties() override { return royalties_; }
  cluster_store& cluster() override { return cluster_; }
  job_changes& changes() override { return changes_; }

  backend_kind backend() const override { return url_.backend; }

  pool_stats stats() const override { return {pool_.size(), pool_.in_use(), pool_.timeouts()}; }

  void ping() override {
    pool_.run([](soci::session& s) {
      int one = 0;
      s << "SELECT 1", soci::into(one);
    });
  }

  int migrate() override {
    int applied = 0;
    pool_.run([&](soci::session& s) { applied = persistence::migrate(s, url_.backend); });
    return applied;
  }

  int schema_version() override {
    int version = 0;
    pool_.run([&](soci::session& s) { version = current_schema_version(s); });
    return version;
  }

  job create_job(const domain::new_job& nj) override {
    return write<job>([&](soci::session& s) { return *select_job(s, insert_job(s, nj)); });
  }

  std::optional<job> find_job(std::int64_t id, std::optional<std::int64_t> account) override {
    std::optional<job> out;
    pool_.run([&](soci::session& s) { out = select_job(s, id); });
    if (out && account && out->account_id != account)
      return std::nullopt; // another account's job does not exist for this caller
    return out;
  }

  std::optional<job> recent_job(std::int64_t id, std::optional<std::int64_t> account) override {
    auto out = cache_.get(id);
    if (!out) {
      const auto ticket = cache_.ticket();
      pool_.run([&](soci::session& s) { out = select_job(s, id); });
      if (out)
        cache_.put(ticket, *out);
    }
    if (out && account && out->account_id != account)
      return std::nullopt;
    return out;
  }

  domain::page<job> list_jobs(const domain::job_filter& filter) override {
    domain::page<job> out;
    out.page = std::max(filter.page, 1);
    out.limit = std::clamp(filter.limit, 1, 100);
    job_where where{filter};
    pool_.run([&](soci::session& s) {
      fetch_page<job_row>(s, job_columns, "FROM jobs" + where.sql, "id DESC",
                          [&](soci::details::prepare_temp_type& t) { where.bind(t, filter); }, out);
    });
    return out;
  }

  std::vector<job> active_jobs() override {
    std::vector<job> out;
    pool_.run([&](soci::session& s) {
      out.clear();
      job_row row;
      auto temp = (s.prepare << std::string("SELECT ") + job_columns
                                  + " FROM jobs WHERE status NOT IN ('succeeded', 'partially_failed', 'failed', "
                                    "'cancelled') ORDER BY id");
      row.bind(temp);
      soci::statement st(temp);
      st.execute(false);
      while (st.fetch())
        out.push_back(row.get());
    });
    return out;
  }

  std::optional<job> update_job(std::int64_t id, const domain::job_update& u) override {
    const auto* fence = current_lease();
    auto out = write<std::optional<job>>([&](soci::session& s) -> std::optional<job> {
      auto current = select_job(s, id, url_.backend == backend_kind::postgresql ? " FOR NO KEY UPDATE" : "");
      if (fence && fence->job_id == id) // the job's own lease, checked on the row just locked
        require_lease(*fence, current.has_value(), current ? current->lease_owner : "", current ? current->lease_epoch : 0);
      if (!current)
        return std::nullopt;
      if (!domain::can_transition(current->status, u.status))
        throw invalid_transition("job " + std::to_string(id) + " cannot go from "
                                 + std::string(domain::to_string(current->status)) + " to "
                                 + std::string(domain::to_string(u.status)));
      job next = *current;
      const long long now = domain::now_millis();
      next.status = u.status;
      if (u.error)
        next.error = *u.error;
      if (u.result)
        next.result = *u.result;
      if (u.progress)
        next.progress = *u.progress;
      if (u.count_attempt)
        ++next.attempts;
      if (u.status == job_status::running && !next.started_at)
        next.started_at = now;
      if (domain::is_terminal(u.status))
        next.finished_at = now;
      const std::string status{domain::to_string(next.status)};
      long long started = next.started_at.value_or(0), finished = next.finished_at.value_or(0);
      soci::indicator started_ind = next.started_at ? soci::i_ok : soci::i_null;
      soci::indicator finished_ind = next.finished_at ? soci::i_ok : soci::i_null;
      long long total = next.progress.total, done = next.progress.done, failed = next.progress.failed;
      long long job_id = id;
      s << "UPDATE jobs SET status = :s, error = :e, result = :r, progress_total = :t, progress_done = :d, "
           "progress_failed = :f, attempts = :a, started_at = :st, finished_at = :fi, updated_at = :u, "
           "row_version = row_version + 1 WHERE id = :id",
        soci::use(status), soci::use(next.error), soci::use(next.result), soci::use(total), soci::use(done),
        soci::use(failed), soci::use(next.attempts), soci::use(started, started_ind),
        soci::use(finished, finished_ind), soci::use(now), soci::use(job_id);
      if (current->status != next.status) {
        std::string message = std::string(domain::to_string(current->status)) + " -> " + status;
        if (u.error && !u.error->empty())
          message += ": " + *u.error;
        insert_event(s, id, "status", message, "null");
      }
      next.updated_at = now; // the row as written, without reading it back
      ++next.row_version;
      return next;
    }, id);
    if (out)
      job_written(id);
    return out;
  }

  std::optional<retried> retry_job(std::int64_t id) override {
    auto out = write<std::optional<retried>>([&](soci::session& s) -> std::optional<retried> {
      auto current = select_job(s, id, url_.backend == backend_kind::postgresql ? " FOR NO KEY UPDATE" : "");
      if (!current)
        return std::nullopt;
      if (current->status != job_status::failed && current->status != job_status::partially_failed)
        throw invalid_transition("only a failed or partially failed job can be retried; job " + std::to_string(id) + " is "
                                 + std::string(domain::to_string(current->status)));
      long long job_id = id, now = domain::now_millis();
      retried r;
      soci::statement deliveries =
        (s.prepare << "UPDATE deliveries SET status = CASE WHEN action = 'takedown' THEN 'takedown_pending' ELSE 'pending' END, "
                      "attempts = 0, next_attempt_at = 0, updated_at = :u WHERE job_id = :j AND status = 'failed'",
         soci::use(now), soci::use(job_id));
      deliveries.execute(true);
      r.deliveries = deliveries.get_affected_rows();
      soci::statement items = (s.prepare << "UPDATE bulk_items SET status = 'pending', reason = '' WHERE job_id = :j AND status = 'invalid'",
                               soci::use(job_id));
      items.execute(true);
      r.releases = items.get_affected_rows();
      s << "UPDATE jobs SET status = 'queued', error = '', finished_at = NULL, lease_owner = '', lease_expires_at = 0, "
           "updated_at = :u, row_version = row_version + 1 "
           "WHERE id = :id",
        soci::use(now), soci::use(job_id);
      insert_event(s, id, "retry",
                   std::string(domain::to_string(current->status)) + " -> queued: " + std::to_string(r.deliveries)
                     + " failed deliveries and " + std::to_string(r.releases) + " refused releases again",
                   "{\"deliveries\":" + std::to_string(r.deliveries) + ",\"releases\":" + std::to_string(r.releases) + "}");
      r.job = *select_job(s, id);
      return r;
    });
    if (out)
      job_written(id);
    return out;
  }

  int release_due_jobs(domain::millis now) override {
    const int released = write<int>([&](soci::session& s) {
      long long at = now;
      soci::statement st = (s.prepare << "UPDATE jobs SET status = 'queued', updated_at = :n, "
                                         "row_version = row_version + 1 WHERE status = 'scheduled' AND scheduled_at <= :n2",
                            soci::use(at), soci::use(at));
      st.execute(true);
      return static_cast<int>(st.get_affected_rows());
    });
    if (released > 0)
      jobs_written();
    return released;
  }

  int prune_jobs(domain::millis finished_before) override {
    int total = 0;
    for (;;) { // batches, so no transaction holds the table long
      const int n = write<int>([&](soci::session& s) {
        long long before = finished_before;
        soci::statement st =
          (s.prepare << "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE status IN "
                        "('succeeded', 'partially_failed', 'failed', 'cancelled') AND finished_at < :b LIMIT 1000)",
           soci::use(before));
        st.execute(true);
        return static_cast<int>(st.get_affected_rows());
      });
      total += n;
      if (n > 0)
        jobs_written();
      if (n < 1000)
        return total;
    }
  }

  std::vector<domain::job_count> job_counts() override {
    std::vector<domain::job_count> out;
    pool_.run([&](soci::session& s) {
      out.clear();
      std::string kind, status;
      long long count = 0;
      soci::statement st = (s.prepare << "SELECT kind, status, COUNT(*) FROM jobs GROUP BY kind, status ORDER BY kind, status",
                            soci::into(kind), soci::into(status), soci::into(count));
      st.execute(false);
      while (st.fetch())
        if (auto parsed = domain::parse_job_status(status))
          out.push_back({kind, *parsed, count});
    });
    return out;
  }

  bool record_sleep_step(std::int64_t job_id, int step, int total) override {
    const bool recorded = write<bool>([&](soci::session& s) {
      long long id = job_id, now = domain::now_millis(), done = step, all = total;
      soci::statement update = (s.prepare << "UPDATE jobs SET progress_done = :d, progress_total = :t, updated_at = :u, "
                                             "row_version = row_version + 1 WHERE id = :id AND status = 'running'",
                                soci::use(done), soci::use(all), soci::use(now), soci::use(id));
      update.execute(true);
      if (update.get_affected_rows() != 1)
        return false; // cancelled, failed or gone: the step must not happen
      s << "INSERT INTO sleep_steps (job_id, step, at) VALUES (:j, :s, :a)", soci::use(id), soci::use(step),
        soci::use(now);
      return true;
    });
    if (recorded)
      job_written(job_id);
    return recorded;
  }

  std::vector<int> sleep_steps(std::int64_t job_id) override {
    std::vector<int> out;
    pool_.run([&](soci::session& s) {
      out.clear();
      long long id = job_id;
      int step = 0;
      soci::statement st =
        (s.prepare << "SELECT step FROM sleep_steps WHERE job_id = :j ORDER BY step", soci::into(step), soci::use(id));
      st.execute(false);
      while (st.fetch())
        out.push_back(step);
    });
    return out;
  }

  job_event append_event(std::int64_t job_id, const std::string& type, const std::string& message,
                         const std::string& data) override {
    return write<job_event>([&](soci::session& s) { return insert_event(s, job_id, type, message, data); });
  }

  std::vector<job_event> list_events(std::int64_t job_id, std::int64_t after_id, int limit) override {
    std::vector<job_event> out;
    pool_.run([&](soci::session& s) {
      out.clear();
      event_row row;
      long long jid = job_id, after = after_id, lim = std::clamp(limit, 1, 1000);
      auto temp = (s.prepare << "SELECT id, job_id, at, type, message, data FROM job_events "
                                "WHERE job_id = :j AND id > :a ORDER BY id LIMIT :l");
      row.bind(temp);
      temp, soci::use(jid), soci::use(after), soci::use(lim);
      soci::statement st(temp);
      st.execute(false);
      while (st.fetch())
        out.push_back(row.to_event());
    });
    return out;
  }

private:
  /// Creates a SQLite file's folder before the pool opens it.
  static database_url prepare(const database_url& url) {
    ensure_database_folder(url);
    return url;
  }

  /// After a committed write to a job: drop it from the cache, then wake its long-polls, here
  /// and (through the channel) on every other node.
  void job_written(std::int64_t id) {
    job_changed_here(id);
    if (channel_)
      channel_->changed(id);
  }
  void jobs_written() {
    jobs_changed_here();
    if (channel_)
      channel_->changed_all();
  }
  void job_changed_here(std::int64_t id) {
    cache_.forget(id);
    changes_.changed(id);
  }
  void jobs_changed_here() {
    cache_.forget_all();
    changes_.changed_all();
  }

  /// What another node wrote: the same forgetting and waking, without telling anyone again.
  void heard(const pg_channel::news& n) {
    if (n.all)
      jobs_changed_here();
    for (const auto id : n.jobs)
      job_changed_here(id);
    if (n.work || n.all) {
      std::lock_guard lock(wake_mutex_);
      if (wake_)
        wake_();
    }
  }

  /// Runs `fn` in a write transaction and returns its result; `checks_own_lease`: see
  /// connection_pool::transact.
  template <class T, class F>
  T write(F&& fn, std::int64_t checks_own_lease = 0) {
    std::optional<T> out;
    pool_.transact([&](soci::session& s) { out = fn(s); }, checks_own_lease);
    return std::move(*out);
  }

  database_url url_;
  connection_pool pool_;
  soci_account_store accounts_;
  soci_catalog_store catalog_;
  soci_delivery_store delivery_;
  soci_sales_store sales_;
  soci_royalty_store royalties_;
  std::unique_ptr<connection_pool> renewal_pool_; ///< PostgreSQL: one connection for lease renewals
  soci_cluster_store cluster_;
  job_changes changes_;
  job_cache cache_;
  std::mutex wake_mutex_;
  std::function<void()> wake_;
  std::unique_ptr<pg_channel> channel_; // last: its thread uses the members above
};

} // namespace

std::unique_ptr<store> open_store(const config::database_config& cfg) { return std::make_unique<soci_store>(cfg); }

} // namespace tunemantra::persistence
