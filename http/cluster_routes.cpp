// GET /api/cluster (admin; what `tmctl cluster` prints): the nodes sharing this database, who
// leads, and which node holds each job still to run. Read from the store, so any node answers
// for the whole cluster.

#include <httplib.h>

#include <map>

#include "domain/time.hpp"
#include "http/envelope.hpp"
#include "http/router.hpp"
#include "http/services.hpp"

namespace tunemantra::http {
namespace {

using nlohmann::json;

/// A node is live while its heartbeat is younger than a lease, `left` after a clean stop, else
/// `lost` (dead, paused or cut off: its jobs go to others as their leases end).
std::string node_state(const persistence::node_record& n, domain::millis now, int lease_ms) {
  if (n.left)
    return "left";
  return n.heartbeat_at >= now - lease_ms ? "live" : "lost";
}

json cluster_json(services& s) {
  const auto view = s.store.cluster().view();
  const auto now = domain::now_millis();
  const auto lease_ms = s.cfg.cluster.lease_ms;
  std::map<std::string, std::int64_t> held;
  std::int64_t unclaimed = 0, expired = 0;
  json leases = json::array();
  for (const auto& l : view.leases) {
    const auto state = l.owner.empty() ? "unclaimed" : l.expires_at < now ? "expired" : "held";
    unclaimed += l.owner.empty();
    expired += !l.owner.empty() && l.expires_at < now;
    if (!l.owner.empty() && l.expires_at >= now)
      ++held[l.owner];
    leases.push_back({{"jobId", l.job_id}, {"kind", l.kind}, {"status", l.status},
                      {"owner", l.owner.empty() ? json(nullptr) : json(l.owner)}, {"epoch", l.epoch},
                      {"expiresAt", l.expires_at > 0 ? json(domain::format_rfc3339(l.expires_at)) : json(nullptr)},
                      {"state", state}});
  }
  const bool leader_live = !view.leader.node.empty() && view.leader.expires_at >= now;
  json nodes = json::array();
  for (const auto& n : view.nodes)
    nodes.push_back({{"id", n.id}, {"host", n.host}, {"version", n.version}, {"pid", n.pid},
                     {"startedAt", domain::format_rfc3339(n.started_at)},
                     {"heartbeatAt", domain::format_rfc3339(n.heartbeat_at)},
                     {"state", node_state(n, now, lease_ms)},
                     {"leader", leader_live && view.leader.node == n.id},
                     {"jobs", held.count(n.id) ? held[n.id] : 0}});
  return {{"node", s.runtime.node().id},
          {"leaseMs", lease_ms},
          {"heartbeatMs", s.cfg.cluster.heartbeat_ms},
          {"leader", leader_live ? json{{"node", view.leader.node}, {"epoch", view.leader.epoch},
                                        {"since", domain::format_rfc3339(view.leader.acquired_at)},
                                        {"expiresAt", domain::format_rfc3339(view.leader.expires_at)}}
                                 : json(nullptr)},
          {"nodes", std::move(nodes)},
          {"load", {{"jobsToRun", view.leases.size()}, {"unclaimed", unclaimed}, {"expired", expired}}},
          {"leases", std::move(leases)}};
}

} // namespace

void add_cluster_routes(router& r, services& s) {
  r.add("GET", "/api/cluster", access::needs("admin"),
        [&s](const httplib::Request&, httplib::Response& res, const request_ctx&) { send_data(res, 200, cluster_json(s)); });
}

} // namespace tunemantra::http
