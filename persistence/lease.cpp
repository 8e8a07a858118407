#include "persistence/lease.hpp"

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
  if (ind == soci::i_ok && owner == lease.owner && epoch == lease.epoch)
    return;
  const auto why = ind != soci::i_ok ? "job " + std::to_string(lease.job_id) + " is gone"
                                     : "job " + std::to_string(lease.job_id) + " is held by "
                                         + (owner.empty() ? "nobody" : owner) + " (epoch " + std::to_string(epoch)
                                         + "), not by " + lease.owner + " (epoch " + std::to_string(lease.epoch) + ")";
  log::warn("stale write refused", {{"job", std::to_string(lease.job_id)}, {"node", lease.owner},
                                    {"epoch", std::to_string(lease.epoch)}, {"reason", why}});
  throw lease_lost(why);
}

} // namespace tunemantra::persistence
