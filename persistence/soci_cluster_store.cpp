#include "persistence/soci_cluster_store.hpp"

#include <algorithm>

#include <soci/soci.h>


namespace tunemantra::persistence {
namespace {

constexpr const char* to_run = "('queued', 'running', 'retrying')";

/// Runs a statement with bound outputs and calls `on_row` after each fetched row.
template <class F>
void each_row(soci::statement& st, F on_row) {
  st.execute(false);
  while (st.fetch())
    on_row();
}

/// Ends every lease the node holds on jobs still to run: claimable now, and no longer renewed by its
/// heartbeat; an incarnation still alive somewhere is fenced out, the owner being no longer its.
void release_leases(soci::session& s, const std::string& node) {
  s << "UPDATE jobs SET lease_owner = '', lease_expires_at = 0 WHERE lease_owner = :id AND status IN " + std::string(to_run),
    soci::use(node);
}

} // namespace

void soci_cluster_store::join(const node_record& me) {
  pool_.transact([&](soci::session& s) {
    long long pid = me.pid, started = me.started_at, beat = domain::now_millis();
    int exists = 0;
    s << "SELECT COUNT(*) FROM nodes WHERE id = :id", soci::into(exists), soci::use(me.id);
    if (exists)
      s << "UPDATE nodes SET host = :h, version = :v, pid = :p, incarnation = :i, started_at = :s, heartbeat_at = :b, "
           "left_at = NULL WHERE id = :id",
        soci::use(me.host), soci::use(me.version), soci::use(pid), soci::use(me.incarnation), soci::use(started),
        soci::use(beat), soci::use(me.id);
    else
      s << "INSERT INTO nodes (id, host, version, pid, incarnation, started_at, heartbeat_at) "
           "VALUES (:id, :h, :v, :p, :i, :s, :b)",
        soci::use(me.id), soci::use(me.host), soci::use(me.version), soci::use(pid), soci::use(me.incarnation),
        soci::use(started), soci::use(beat);
    release_leases(s, me.id); // what the earlier incarnation held
  });
}

heartbeat_answer soci_cluster_store::heartbeat(const node_record& me, domain::millis lease_ms) {
  heartbeat_answer out;
  renewals_.transact([&](soci::session& s) {
    out = {};
    long long now = domain::now_millis(), expires = now + lease_ms, fresh = now - lease_ms;
    soci::statement beat = (s.prepare << "UPDATE nodes SET heartbeat_at = :b, left_at = NULL WHERE id = :id AND incarnation = :i",
                            soci::use(now), soci::use(me.id), soci::use(me.incarnation));
    beat.execute(true);
    if (beat.get_affected_rows() != 1)
      throw node_replaced("node id " + me.id + " was registered by another process; this one stops running jobs");
    long long id = 0, epoch = 0;
    soci::statement renew = (s.prepare << "UPDATE jobs SET lease_expires_at = :e WHERE lease_owner = :id AND status IN "
                                            + std::string(to_run) + " RETURNING id, lease_epoch",
                             soci::use(expires), soci::use(me.id), soci::into(id), soci::into(epoch));
    each_row(renew, [&] { out.held.push_back({id, epoch}); });
    std::string node;
    soci::statement live = (s.prepare << "SELECT id FROM nodes WHERE heartbeat_at >= :f AND left_at IS NULL ORDER BY id",
                            soci::use(fresh), soci::into(node));
    each_row(live, [&] { out.live_nodes.push_back(node); });
  });
  return out;
}

std::vector<claimed_job> soci_cluster_store::claim_jobs(const std::string& node, int limit, domain::millis lease_ms) {
  std::vector<claimed_job> out;
  pool_.transact([&](soci::session& s) {
    out.clear();
    long long now = domain::now_millis(), expires = now + lease_ms, n = std::max(limit, 1), id = 0, epoch = 0;
    std::string kind;
    // One statement: the subquery picks and locks the rows (skipping any another node is
    // claiming or writing right now), the UPDATE stamps them with this node and a new epoch.
    soci::statement st =
      (s.prepare << "UPDATE jobs SET lease_owner = :me, lease_epoch = lease_epoch + 1, lease_expires_at = :e "
                    "WHERE id IN (SELECT id FROM jobs WHERE status IN " + std::string(to_run)
                      + " AND (lease_owner = '' OR lease_expires_at < :now) ORDER BY priority DESC, id"
                      + (postgresql() ? " FOR UPDATE SKIP LOCKED" : "") + " LIMIT :n) RETURNING id, kind, lease_epoch",
       soci::use(node), soci::use(expires), soci::use(now), soci::use(n), soci::into(id), soci::into(kind),
       soci::into(epoch));
    each_row(st, [&] { out.push_back({id, kind, epoch}); });
  });
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

bool soci_cluster_store::lead(const std::string& node, domain::millis lease_ms) {
  bool leading = false;
  renewals_.transact([&](soci::session& s) {
    long long now = domain::now_millis(), expires = now + lease_ms;
    soci::statement st =
      (s.prepare << "UPDATE cluster_leader SET epoch = CASE WHEN node = :me THEN epoch ELSE epoch + 1 END, "
                    "acquired_at = CASE WHEN node = :me2 THEN acquired_at ELSE :now END, node = :me3, expires_at = :e "
                    "WHERE id = 1 AND (node = :me4 OR expires_at < :now2)",
       soci::use(node), soci::use(node), soci::use(now), soci::use(node), soci::use(expires), soci::use(node),
       soci::use(now));
    st.execute(true);
    leading = st.get_affected_rows() == 1;
  });
  return leading;
}

void soci_cluster_store::leave(const node_record& me) {
  pool_.transact([&](soci::session& s) {
    long long now = domain::now_millis();
    soci::statement left = (s.prepare << "UPDATE nodes SET left_at = :n WHERE id = :id AND incarnation = :i",
                            soci::use(now), soci::use(me.id), soci::use(me.incarnation));
    left.execute(true);
    if (left.get_affected_rows() != 1)
      return; // another process holds the name now: its leases are not ours to end
    release_leases(s, me.id);
    s << "UPDATE cluster_leader SET expires_at = 0 WHERE id = 1 AND node = :id", soci::use(me.id);
  });
}

cluster_view soci_cluster_store::view() {
  cluster_view out;
  pool_.run([&](soci::session& s) {
    out = {};
    node_record n;
    long long pid = 0, started = 0, beat = 0, left = 0;
    soci::indicator left_ind = soci::i_null;
    soci::statement nodes = (s.prepare << "SELECT id, host, version, pid, incarnation, started_at, heartbeat_at, left_at "
                                          "FROM nodes ORDER BY id",
                             soci::into(n.id), soci::into(n.host), soci::into(n.version), soci::into(pid),
                             soci::into(n.incarnation), soci::into(started), soci::into(beat), soci::into(left, left_ind));
    each_row(nodes, [&] {
      n.pid = pid;
      n.started_at = started;
      n.heartbeat_at = beat;
      n.left = left_ind == soci::i_ok;
      out.nodes.push_back(n);
    });
    lease_record l;
    long long id = 0, epoch = 0, expires = 0;
    soci::statement leases = (s.prepare << "SELECT id, kind, status, lease_owner, lease_epoch, lease_expires_at FROM jobs "
                                           "WHERE status IN " + std::string(to_run) + " ORDER BY id LIMIT 1000",
                              soci::into(id), soci::into(l.kind), soci::into(l.status), soci::into(l.owner),
                              soci::into(epoch), soci::into(expires));
    each_row(leases, [&] {
      l.job_id = id;
      l.epoch = epoch;
      l.expires_at = expires;
      out.leases.push_back(l);
    });
    long long lepoch = 0, acquired = 0, lexpires = 0;
    s << "SELECT node, epoch, acquired_at, expires_at FROM cluster_leader WHERE id = 1", soci::into(out.leader.node),
      soci::into(lepoch), soci::into(acquired), soci::into(lexpires);
    out.leader.epoch = lepoch;
    out.leader.acquired_at = acquired;
    out.leader.expires_at = lexpires;
  });
  return out;
}

} // namespace tunemantra::persistence
