#include "persistence/lease.hpp"

#include <map>

#include <soci/soci.h>

#include "domain/log.hpp"

namespace tunemantra::persistence {
namespace {
thread_local const job_lease* current = nullptr;
} // namespace

const job_lease* current_lease() { return current; }

fenced_scope::fenced_scope(const std::optional<job_lease>& lease) : previous_(current), mine_(lease) {
  if (mine_)
    current = &*mine_;
}

fenced_scope::~fenced_scope() { current = previous_; }

namespace {

/// Refuses the write: logs it and throws lease_lost. `found` is false when the job is gone.
[[noreturn]] void refuse(const job_lease& lease, bool found, const std::string& owner, long long epoch) {
  const auto why = !found ? "job " + std::to_string(lease.job_id) + " is gone"
                          : "job " + std::to_string(lease.job_id) + " is held by " + (owner.empty() ? "nobody" : owner)
                              + " (epoch " + std::to_string(epoch) + "), not by " + lease.owner + " (epoch "
                              + std::to_string(lease.epoch) + ")";
  log::warn("stale write refused", {{"job", std::to_string(lease.job_id)}, {"node", lease.owner},
                                    {"epoch", std::to_string(lease.epoch)}, {"reason", why}});
  throw lease_lost(why);
}

} // namespace

void require_lease(const job_lease& lease, bool found, const std::string& owner, std::int64_t epoch) {
  if (!found || owner != lease.owner || epoch != lease.epoch)
    refuse(lease, found, owner, epoch);
}

void check_lease(soci::session& s, bool postgresql, const job_lease& lease) {
  long long id = lease.job_id, epoch = 0;
  std::string owner;
  soci::indicator ind = soci::i_null;
  // FOR KEY SHARE holds off a claim (its FOR UPDATE skips or waits for the row) until this
  // transaction ends, yet lets the job's own writers (FOR NO KEY UPDATE) and other fenced
  // transactions through, so fencing adds no waits between them.
  s << std::string("SELECT lease_owner, lease_epoch FROM jobs WHERE id = :id")
         + (postgresql ? " FOR KEY SHARE" : ""),
    soci::into(owner, ind), soci::into(epoch), soci::use(id);
  require_lease(lease, ind == soci::i_ok, owner, epoch);
}

void check_leases(soci::session& s, bool postgresql, const std::vector<job_lease>& leases) {
  if (!postgresql || leases.size() == 1) { // SQLite: in-process statements cost little
    for (const auto& lease : leases)
      check_lease(s, postgresql, lease);
    return;
  }
  if (leases.empty())
    return;
  std::string ids = "{";
  for (const auto& lease : leases)
    ids += (ids.size() > 1 ? "," : "") + std::to_string(lease.job_id);
  ids += "}";
  std::map<long long, std::pair<std::string, long long>> held; // job -> (owner, epoch)
  long long id = 0, epoch = 0;
  std::string owner;
  soci::indicator owner_ind = soci::i_null;
  soci::statement st = (s.prepare << "SELECT id, lease_owner, lease_epoch FROM jobs WHERE id = ANY(CAST(:ids AS BIGINT[])) "
                                     "ORDER BY id FOR KEY SHARE",
                        soci::into(id), soci::into(owner, owner_ind), soci::into(epoch), soci::use(ids));
  st.execute(false);
  while (st.fetch())
    held[id] = {owner_ind == soci::i_ok ? owner : std::string(), epoch};
  for (const auto& lease : leases) {
    const auto it = held.find(lease.job_id);
    const bool found = it != held.end();
    require_lease(lease, found, found ? it->second.first : std::string(), found ? it->second.second : 0);
  }
}

} // namespace tunemantra::persistence
