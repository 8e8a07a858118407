#include "actors/distribution_job.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <random>

#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/connector_error.hpp"
#include "actors/connectors/batch.hpp"
#include "actors/connectors/registry.hpp"
#include "actors/ec.hpp"
#include "actors/off_thread.hpp"
#include "actors/platform_gate.hpp"
#include "actors/sends_in_flight.hpp"
#include "domain/log.hpp"
#include "domain/time.hpp"
#include "persistence/errors.hpp"
#include "persistence/readiness.hpp"

namespace tunemantra::actors {
namespace {

using self_ptr = job_actor::stateful_pointer<distribution_job_state>;
using domain::delivery_status;

/// What one step of the job did.
struct step_outcome {
  enum kind_t { wait, finished } kind = finished;
  int wait_ms = 0;
};

delivery_status waiting_status(const domain::delivery& d) {
  return d.action == domain::ern_action::takedown ? delivery_status::takedown_pending : delivery_status::pending;
}

/// Capped exponential backoff with jitter: a random wait in [cap/2, cap], cap doubling per attempt.
int backoff_ms(const job_context& ctx, int attempts) {
  const auto shift = std::min(attempts - 1, 20);
  const auto cap = std::min<long long>(static_cast<long long>(ctx.delivery.retry_backoff_ms) << shift,
                                       ctx.delivery.retry_backoff_max_ms);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return static_cast<int>(std::uniform_int_distribution<long long>(cap / 2, std::max(cap / 2, cap))(rng));
}

/// The transition that marks the delivery `delivering`: one more attempt, with its job event.
/// A delivery to a batch connector gets its BatchId here, before its first send, and keeps it:
/// a resend after a crash completes that batch instead of starting another.
/// `join` puts it in that batch (the batch of the send it goes with).
persistence::delivery_transition start_send(domain::delivery& d, const domain::platform& p, const std::string& join = "") {
  persistence::delivery_change sending{delivery_status::delivering};
  sending.count_attempt = true;
  if (d.batch_id.empty())
    if (const auto* c = find_connector(p.connector.type); c && c->uses_batches()) {
      d.batch_id = join.empty() ? next_batch_id() : join;
      sending.batch_id = d.batch_id;
    }
  sending.event = "sending " + d.message_id + " to " + p.name + " (attempt " + std::to_string(d.attempts + 1) + ")";
  return {d.id, {waiting_status(d), delivery_status::delivering}, std::move(sending)};
}

/// The package of the delivery's release, loaded by the first send that needs it (outside the
/// lock: sends of other releases do not wait for it); a load that fails is not kept. A bulk job's
/// cache holds at most package_cache::kept releases.
std::shared_ptr<const delivery_package> package_of(const job_context& ctx, package_cache& cache,
                                                   const domain::delivery& d) {
  {
    std::lock_guard lock(cache.mutex);
    if (const auto it = cache.by_release.find(d.release_id); it != cache.by_release.end())
      return it->second;
  }
  auto loaded = std::make_shared<const delivery_package>(load_package(*ctx.store, d.account_id, d.release_id));
  std::lock_guard lock(cache.mutex);
  while (cache.by_release.size() >= package_cache::kept)
    cache.by_release.erase(cache.by_release.begin());
  return cache.by_release.try_emplace(d.release_id, std::move(loaded)).first->second;
}

/// The transition recording a delivery the connector sent as `batch`.
persistence::delivery_transition sent_transition(const domain::delivery& d, const domain::platform& p,
                                                 const std::string& batch) {
  persistence::delivery_change done{d.action == domain::ern_action::takedown ? delivery_status::taken_down
                                                                              : delivery_status::delivered};
  done.delivered_at = domain::now_millis();
  done.batch_id = batch;
  done.last_error = "";
  done.event = (d.action == domain::ern_action::takedown ? "takedown delivered to " : "delivered to ") + p.name
               + " as batch " + batch;
  return {d.id, {delivery_status::delivering}, std::move(done)};
}

/// The transition recording a failed attempt: back to waiting with a retry time `wait` ms away,
/// or failed (permanent, or attempts spent); `new_batch`, when set, is the BatchId it goes in next
/// (its batch closed without it). `settled` says whether it failed for good.
persistence::delivery_transition failed_transition(const domain::delivery& d, const domain::platform& p,
                                                   const std::exception& e, int wait, const std::string& new_batch,
                                                   bool& settled) {
  const int attempts = d.attempts + 1;
  const bool permanent = dynamic_cast<const permanent_failure*>(&e) != nullptr;
  settled = permanent || attempts >= p.max_attempts;
  persistence::delivery_change failed{settled ? delivery_status::failed : waiting_status(d)};
  failed.last_error = e.what();
  if (!settled)
    failed.next_attempt_at = domain::now_millis() + wait;
  if (!new_batch.empty())
    failed.batch_id = new_batch;
  failed.event = "attempt " + std::to_string(attempts) + " to " + p.name + " failed: " + e.what()
                 + (permanent ? " (permanent: not retried)"
                    : settled ? " (no attempts left)"
                              : "; retrying in " + std::to_string(wait) + " ms");
  log::warn("delivery attempt failed", {{"delivery", std::to_string(d.id)}, {"platform", p.code}, {"error", e.what()}});
  return {d.id, {delivery_status::delivering}, std::move(failed)};
}

/// Runs the connector for deliveries marked `delivering` (one, or the several of one batch) and
/// records the outcome of each: sent (delivered / taken_down), back to waiting with a retry time,
/// or failed (permanent, or attempts spent). A batch goes all or nothing and its deliveries retry
/// together (one wait), so they meet again in the same batch. `settled[i]` says whether delivery
/// i is settled. `held` (the platform slot) is given back as soon as the connector returns: the
/// platform is done with the request, so the next send need not wait for the outcome's record.
std::vector<bool> finish_sends(const job_context& ctx, package_cache& cache, const std::vector<domain::delivery>& ds,
                               const domain::platform& p, std::shared_ptr<platform_gate::slot>& held) {
  std::vector<bool> settled(ds.size(), false);
  std::vector<persistence::delivery_transition> outcomes;
  const int wait = backoff_ms(ctx, ds.front().attempts + 1);
  // Each release's package; one that cannot be loaded fails its own delivery, not the batch.
  std::vector<std::shared_ptr<const delivery_package>> packages(ds.size());
  std::vector<std::size_t> going;
  for (std::size_t i = 0; i < ds.size(); ++i) {
    try {
      packages[i] = package_of(ctx, cache, ds[i]);
      going.push_back(i);
    } catch (const persistence::lease_lost&) {
      throw;
    } catch (const std::exception& e) {
      bool done = false;
      outcomes.push_back(failed_transition(ds[i], p, e, wait, "", done));
      settled[i] = done;
    }
  }
  if (!going.empty()) {
    const std::filesystem::path media(ctx.media_dir);
    std::vector<send_request> requests;
    for (const auto i : going)
      requests.push_back({p, *packages[i], ds[i], ctx.delivery, media});
    try {
      const auto batch = connector_of(p).send_batch(requests);
      held.reset();
      for (const auto i : going) {
        outcomes.push_back(sent_transition(ds[i], p, batch));
        settled[i] = true;
      }
    } catch (const persistence::lease_lost&) {
      held.reset();
      throw; // another node runs the job now: nothing of ours may be recorded
    } catch (const std::exception& e) {
      held.reset();
      // A batch closed without them: they go on together in a new one.
      const auto new_batch = dynamic_cast<const batch_closed*>(&e) != nullptr ? next_batch_id() : std::string();
      for (const auto i : going) {
        bool done = false;
        outcomes.push_back(failed_transition(ds[i], p, e, wait, new_batch, done));
        settled[i] = done;
      }
    }
  }
  held.reset();
  ctx.commits->apply(std::move(outcomes));
  return settled;
}

/// Ends the job once every delivery is settled, and moves the release along.
void complete(const job_context& ctx, const domain::job& job, const std::vector<domain::delivery>& ds) {
  std::int64_t sent = 0, failed = 0, cancelled = 0;
  nlohmann::json items = nlohmann::json::array();
  for (const auto& d : ds) {
    if (d.status == delivery_status::failed)
      ++failed;
    else if (d.status == delivery_status::cancelled)
      ++cancelled;
    else
      ++sent;
    items.push_back({{"deliveryId", d.id}, {"platformId", d.platform_id}, {"status", domain::to_string(d.status)},
                     {"messageId", d.message_id}, {"error", d.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.last_error)}});
  }
  const auto total = static_cast<std::int64_t>(ds.size());
  domain::job_update end{sent == 0 && failed > 0 ? domain::job_status::failed
                         : failed > 0            ? domain::job_status::partially_failed
                         : sent == 0             ? domain::job_status::cancelled
                                                 : domain::job_status::succeeded};
  if (end.status == domain::job_status::failed)
    end.error = "every delivery failed";
  end.progress = domain::job_progress{total, sent + failed + cancelled, failed};
  end.result = nlohmann::json{{"deliveries", std::move(items)}}.dump();
  if (sent > 0 && !ds.empty()) {
    const auto d = ds.front();
    if (auto rel = ctx.store->catalog().find_release(d.account_id, d.release_id)) {
      const bool takedown = d.action == domain::ern_action::takedown;
      const auto next = takedown ? domain::release_status::taken_down : domain::release_status::distributed;
      if (rel->status != next && (!takedown || failed == 0)) {
        rel->status = next;
        ctx.store->catalog().update_release(*rel);
      }
    }
  }
  try {
    ctx.store->update_job(job.id, end);
  } catch (const persistence::invalid_transition&) {
    // cancelled meanwhile: the cancellation stands
  }
}

/// Where the job's deliveries stand, counted per status, plus a bulk job's items not yet checked
/// or refused.
struct tally {
  std::int64_t total = 0, settled = 0, failed = 0, sent = 0, cancelled = 0;
  std::map<std::int64_t, std::map<std::string, std::int64_t>> per_platform;
  std::array<std::int64_t, 3> items{0, 0, 0}; ///< bulk: pending, queued, invalid
  std::size_t platforms = 0;                  ///< bulk: platforms asked
};

tally count(const std::vector<persistence::delivery_count>& counts) {
  tally t;
  for (const auto& c : counts) {
    t.total += c.count;
    t.settled += domain::is_settled(c.status) ? c.count : 0;
    t.failed += c.status == delivery_status::failed ? c.count : 0;
    t.cancelled += c.status == delivery_status::cancelled ? c.count : 0;
    t.sent += domain::is_settled(c.status) && c.status != delivery_status::failed && c.status != delivery_status::cancelled
                ? c.count : 0;
    t.per_platform[c.platform_id][std::string(domain::to_string(c.status))] += c.count;
  }
  return t;
}

/// A bulk job's tally, counted in the store (bounded reads, however big the job).
tally count_bulk(const job_context& ctx, const domain::job& job, std::size_t bulk_platforms) {
  auto t = count(ctx.store->delivery().delivery_counts(job.id));
  t.items = ctx.store->delivery().count_bulk_items(job.id);
  t.platforms = bulk_platforms;
  return t;
}

/// A distribution's tally from its deliveries, all read already (one per platform asked).
tally count_read(const std::vector<domain::delivery>& ds) {
  std::vector<persistence::delivery_count> counts;
  for (const auto& d : ds)
    counts.push_back({d.platform_id, d.status, 1});
  return count(counts);
}

/// Writes the job's progress when it moved since the job was read. A bulk job counts every
/// release x platform it was asked for: refused releases count as done and failed.
void report_progress(const job_context& ctx, const domain::job& job, const tally& t) {
  domain::job_progress progress{t.total, t.settled, t.failed};
  if (t.platforms > 0) {
    const auto asked = static_cast<std::int64_t>(t.platforms);
    const auto refused = t.items[2] * asked;
    progress = {(t.items[0] + t.items[1] + t.items[2]) * asked, t.settled + refused, t.failed + refused};
  }
  if (progress.total == job.progress.total && progress.done == job.progress.done && progress.failed == job.progress.failed)
    return;
  domain::job_update update{domain::job_status::running};
  update.progress = progress;
  try {
    ctx.store->update_job(job.id, update);
  } catch (const persistence::invalid_transition&) {
    // cancelled meanwhile
  }
}

/// What a bulk job was asked: its platforms.
std::vector<std::int64_t> bulk_platforms(const domain::job& job) {
  std::vector<std::int64_t> out;
  const auto payload = nlohmann::json::parse(job.payload, nullptr, false);
  if (payload.is_object() && payload.contains("platformIds") && payload["platformIds"].is_array())
    for (const auto& id : payload["platformIds"])
      if (id.is_number_integer())
        out.push_back(id.get<std::int64_t>());
  return out;
}

/// Checks the next chunk of a bulk job's releases (ownership, validation, not already on a
/// platform) and queues the good ones' deliveries, all in one transaction. True when releases
/// remain to be checked.
bool check_bulk_chunk(const job_context& ctx, const domain::job& job, const std::vector<std::int64_t>& platforms) {
  constexpr int chunk = 100;
  auto& store = *ctx.store;
  const auto account = job.account_id.value_or(0);
  const auto items = store.delivery().pending_bulk_items(job.id, chunk);
  if (items.empty())
    return false;
  std::vector<persistence::bulk_check> checked;
  for (const auto& item : items) {
    persistence::bulk_check c{item.position, item.release_id, {}};
    const auto release = store.catalog().find_release(account, item.release_id);
    if (!release) {
      c.reason = "no release " + std::to_string(item.release_id) + " in this account";
    } else if (const auto issues = persistence::release_issues(store, account, *release); domain::has_errors(issues)) {
      c.reason = "not ready for platforms:";
      for (const auto& i : issues)
        if (i.severity == domain::severity::error)
          c.reason += " " + i.code;
    } else {
      for (const auto& d : store.delivery().latest_deliveries(account, release->id))
        if (domain::is_live(d.status) && std::find(platforms.begin(), platforms.end(), d.platform_id) != platforms.end()) {
          c.reason = "already on platform " + std::to_string(d.platform_id) + " (" + std::string(domain::to_string(d.status))
                     + "); use redeliver or takedown";
          break;
        }
    }
    checked.push_back(std::move(c));
  }
  store.delivery().settle_bulk_items(job.id, account, checked, platforms, std::nullopt);
  return items.size() == static_cast<std::size_t>(chunk);
}

/// Ends a bulk job: per-platform counts, the refused releases and failed deliveries (the first
/// 1000 of each) in `result`; every release delivered somewhere becomes `distributed`.
void complete_bulk(const job_context& ctx, const domain::job& job, const tally& t) {
  using nlohmann::json;
  auto& store = ctx.store->delivery();
  constexpr int listed = 1000;
  json invalid = json::array(), failed = json::array(), platforms = json::array();
  for (const auto& item : store.invalid_bulk_items(job.id, listed))
    invalid.push_back({{"releaseId", item.release_id}, {"position", item.position}, {"reason", item.reason}});
  for (const auto& d : store.failed_deliveries(job.id, listed))
    failed.push_back({{"releaseId", d.release_id}, {"platformId", d.platform_id}, {"deliveryId", d.id},
                      {"messageId", d.message_id}, {"error", d.last_error}});
  for (const auto& [platform, statuses] : t.per_platform)
    platforms.push_back({{"platformId", platform}, {"counts", statuses}});
  const auto refused = t.items[2];
  const bool problems = refused > 0 || t.failed > 0;
  domain::job_update end{t.sent == 0 && problems ? domain::job_status::failed
                         : problems              ? domain::job_status::partially_failed
                         : t.sent == 0           ? domain::job_status::cancelled
                                                 : domain::job_status::succeeded};
  if (end.status == domain::job_status::failed)
    end.error = "no release reached a platform";
  const auto asked = static_cast<std::int64_t>(t.platforms);
  end.progress = domain::job_progress{(t.items[0] + t.items[1] + refused) * asked, t.settled + refused * asked,
                                      t.failed + refused * asked};
  end.result = json{{"releases", {{"total", t.items[0] + t.items[1] + refused}, {"queued", t.items[1]}, {"invalid", refused}}},
                    {"deliveries", {{"total", t.total}, {"sent", t.sent}, {"failed", t.failed}, {"cancelled", t.cancelled}}},
                    {"platforms", std::move(platforms)},
                    {"invalidReleases", std::move(invalid)},
                    {"failedDeliveries", std::move(failed)},
                    {"listLimit", listed}}
                 .dump();
  store.mark_releases_distributed(job.id);
  try {
    ctx.store->update_job(job.id, end);
  } catch (const persistence::invalid_transition&) {
    // cancelled meanwhile: the cancellation stands
  }
}

/// A send the pass may start: the delivery, its platform and the platform slot it holds, and
/// the deliveries going in the same batch (a bulk job's, where the platform takes several
/// releases per batch; they share the slot).
struct ready_send {
  domain::delivery d;
  domain::platform p;
  std::shared_ptr<platform_gate::slot> slot;
  std::vector<domain::delivery> more = {};

  std::vector<domain::delivery> all() const {
    std::vector<domain::delivery> out{d};
    out.insert(out.end(), more.begin(), more.end());
    return out;
  }
};

/// Marks claimed sends `delivering` (one more attempt) in one group commit; element i says
/// whether send i may go. A delivery that may not (changed since it was read), or every one when
/// the write fails, gives its in-flight claim back; a batch goes on with the ones that may.
std::vector<bool> begin_sends(const job_context& ctx, std::vector<ready_send>& ready) {
  std::vector<persistence::delivery_transition> starts;
  for (auto& r : ready) {
    starts.push_back(start_send(r.d, r.p));
    for (auto& m : r.more)
      starts.push_back(start_send(m, r.p, r.d.batch_id));
  }
  std::vector<bool> started;
  try {
    started = ctx.commits->apply(std::move(starts));
  } catch (...) {
    for (const auto& r : ready)
      for (const auto& d : r.all())
        ctx.in_flight->finish(d.id);
    throw;
  }
  std::vector<bool> going(ready.size(), false);
  std::size_t at = 0;
  for (std::size_t i = 0; i < ready.size(); ++i) {
    auto members = ready[i].all();
    std::vector<domain::delivery> kept;
    for (auto& d : members) {
      if (started[at++])
        kept.push_back(std::move(d));
      else
        ctx.in_flight->finish(d.id);
    }
    going[i] = !kept.empty();
    if (going[i]) {
      ready[i].d = kept.front();
      ready[i].more.assign(kept.begin() + 1, kept.end());
    }
  }
  return going;
}

/// Runs a started send (one delivery, or a batch of them) on the sender pool and records its
/// outcome, then gives the platform's slot back and wakes the job when there is something to decide.
void run_send(const job_context& ctx, const std::vector<domain::delivery>& ds, const domain::platform& platform,
              package_cache& cache, const gated_deliveries& gated, std::shared_ptr<platform_gate::slot> held) {
  std::vector<bool> settled(ds.size(), false);
  try {
    persistence::fenced_scope fenced{ctx.lease};
    settled = finish_sends(ctx, cache, ds, platform, held);
  } catch (const persistence::lease_lost& e) {
    // Sent, but the job was taken over meanwhile: its new owner sends again under the same
    // MessageId, which the platform dedupes; this node's late write is refused.
    log::warn("stale write refused", {{"delivery", std::to_string(ds.front().id)}, {"message_id", ds.front().message_id},
                                      {"error", e.what()}});
  } catch (const std::exception& e) {
    log::warn("recording a send failed", {{"delivery", std::to_string(ds.front().id)}, {"error", e.what()}});
  } catch (...) {
    log::warn("recording a send failed", {{"delivery", std::to_string(ds.front().id)}, {"error", "unknown exception"}});
  }
  held.reset(); // (given back already unless recording failed before the send)
  // A pass when there is something to decide: a retry to schedule, or the job's last send done
  // with none of its deliveries waiting for a gate (a slot freed there starts them, see below).
  for (std::size_t i = 0; i < ds.size(); ++i) {
    const auto ended = ctx.in_flight->finish(ds[i].id);
    if ((ended.left_in_job == 0 && gated.empty()) || !settled[i])
      caf::anon_send(ended.owner, step_atom::value); // (the job's actor now: a restarted one adopts running sends)
  }
}

/// A delivery of a distribution left waiting for a platform slot: when the gate hands it one,
/// the delivery starts there and then, with no pass over the job (one read of the delivery, one
/// start transition). Anything unexpected (changed, paused, rate-limited) brings a pass instead.
struct handoff {
  std::int64_t job_id = 0;
  std::int64_t delivery_id = 0;
  job_actor me;
  std::shared_ptr<package_cache> cache;
  std::shared_ptr<gated_deliveries> gated;
};

void start_handed(const job_context& ctx, const handoff& h);

/// What the gate calls when a slot frees: the start goes to the sender pool (never on the
/// thread giving the slot back), or a pass when the pool takes no more work.
platform_gate::waker handoff_waker(const job_context& ctx, handoff h) {
  return [ctx, h] {
    try {
      ctx.sender->post([ctx, h] { start_handed(ctx, h); });
    } catch (const std::exception&) {
      caf::anon_send(h.me, step_atom::value);
    }
  };
}

void start_handed(const job_context& ctx, const handoff& h) {
  auto pass = [&] {
    h.gated->remove(h.delivery_id);
    caf::anon_send(h.me, step_atom::value);
  };
  std::optional<domain::delivery> d;
  try {
    persistence::fenced_scope fenced{ctx.lease};
    d = ctx.store->delivery().find_delivery(h.delivery_id);
    // Not taken (started or settled meanwhile, waiting for a retry, platform paused): the slot
    // goes to the next waiter.
    if (!d || d->status != waiting_status(*d) || d->next_attempt_at > domain::now_millis()) {
      if (d)
        ctx.gate->pass_on(d->platform_id);
      return pass();
    }
    std::optional<domain::platform> p;
    for (auto& candidate : ctx.store->delivery().cached_platforms())
      if (candidate.id == d->platform_id)
        p = std::move(candidate);
    if (!p || !p->enabled) {
      ctx.gate->pass_on(d->platform_id);
      return pass();
    }
    std::chrono::milliseconds wait{0};
    bool queued = false;
    auto slot = ctx.gate->try_acquire(*p, wait, h.job_id, handoff_waker(ctx, h), &queued);
    if (!slot)
      return queued ? void() : pass(); // taken again: waits for the next one, still listed
    std::vector<ready_send> ready{{*d, *p, std::make_shared<platform_gate::slot>(std::move(*slot))}};
    if (!ctx.in_flight->claim(d->id, h.job_id, h.me) || !begin_sends(ctx, ready).front())
      return pass();
    h.gated->remove(h.delivery_id);
    run_send(ctx, ready.front().all(), *p, *h.cache, *h.gated, std::move(ready.front().slot));
  } catch (const std::exception& e) {
    log::warn("starting a send failed", {{"job", std::to_string(h.job_id)}, {"delivery", std::to_string(h.delivery_id)},
                                         {"error", e.what()}});
    pass();
  }
}

/// One pass over the job's deliveries: moves due scheduled ones to waiting, writes progress,
/// starts every send its platforms allow now (marked `delivering` in one group commit, then each
/// run on the sender pool; `me` hears when it ends), says how long to wait when nothing can start,
/// and ends the job when every delivery is settled.
step_outcome next_step(const job_context& ctx, std::int64_t job_id, const distribution_job_state& st, const job_actor& me) {
  const auto job = ctx.store->find_job(job_id);
  if (!job || job->status != domain::job_status::running)
    return {};
  auto& deliveries = ctx.store->delivery();
  // A bulk job first checks its releases, a chunk per pass; their deliveries join the loop at once.
  const bool bulk = job->kind == "bulk_distribution";
  const auto asked = bulk ? bulk_platforms(*job) : std::vector<std::int64_t>{};
  const bool more_items = bulk && check_bulk_chunk(ctx, *job, asked);
  // A bulk job looks at a window of its open deliveries per platform and counts the rest in the
  // store; a distribution (one delivery per platform) reads all of them once per pass.
  constexpr int window = 128;
  auto read = [&] { return bulk ? deliveries.open_deliveries(job_id, window) : deliveries.deliveries_of_job(job_id); };
  auto ds = read();
  std::vector<persistence::delivery_transition> due;
  for (const auto& d : ds)
    if (d.status == delivery_status::scheduled) {
      persistence::delivery_change change{waiting_status(d)};
      change.event = d.message_id + " is due";
      due.push_back({d.id, {delivery_status::scheduled}, std::move(change)});
    }
  if (!due.empty()) {
    ctx.commits->apply(std::move(due));
    ds = read();
  }
  const auto counted = bulk ? count_bulk(ctx, *job, asked.size()) : count_read(ds);

  const auto now = domain::now_millis();
  std::map<std::int64_t, domain::platform> platforms;
  for (auto& p : deliveries.cached_platforms())
    platforms.emplace(p.id, std::move(p));
  // Every open delivery in flight: the last send to end brings the next pass; a long timer stays
  // as a safety net against a lost wake-up.
  int wait = std::max(10 * ctx.jobs.poll_interval_ms, 5000);
  auto soonest = [&wait](long long ms) { wait = std::min<int>(wait, static_cast<int>(ms)); };
  bool open = false;
  std::vector<ready_send> ready;
  for (const auto& d : ds) {
    if (domain::is_settled(d.status))
      continue;
    open = true;
    if (ctx.in_flight->adopt(d.id, me))
      continue; // its send is running (perhaps started by this job's previous actor): we hear when it ends
    const auto found = platforms.find(d.platform_id);
    if (found == platforms.end() || !found->second.enabled) {
      soonest(ctx.jobs.poll_interval_ms); // paused: held until resumed
      continue;
    }
    const auto* p = &found->second;
    if (d.status != delivery_status::delivering && d.next_attempt_at > now) {
      soonest(d.next_attempt_at - now);
      continue;
    }
    // A bulk job's delivery joins a batch starting now to its platform when the platform takes
    // several releases per batch (a retry only the batch it was in): it rides on that slot.
    if (bulk) {
      const auto* c = find_connector(p->connector.type);
      const auto per_batch = c ? c->releases_per_batch(settings_of(*p)) : 1;
      auto joins = [&](const ready_send& r) {
        return r.p.id == p->id && static_cast<int>(1 + r.more.size()) < per_batch && r.d.batch_id == d.batch_id;
      };
      if (per_batch > 1)
        if (auto it = std::find_if(ready.begin(), ready.end(), joins); it != ready.end()) {
          if (ctx.in_flight->claim(d.id, job_id, me))
            it->more.push_back(d);
          continue;
        }
    }
    std::chrono::milliseconds gate_wait{0};
    bool queued = false;
    // A bulk job (many deliveries per platform) is woken for a pass; a distribution's delivery
    // is handed the slot directly.
    auto wake = bulk ? platform_gate::waker([me] { caf::anon_send(me, step_atom::value); })
                     : handoff_waker(ctx, {job_id, d.id, me, st.package, st.gated});
    if (!bulk)
      st.gated->add(d.id);
    auto slot = ctx.gate->try_acquire(*p, gate_wait, job_id, std::move(wake), &queued);
    if (!bulk && !queued)
      st.gated->remove(d.id);
    if (!slot) {
      soonest(gate_wait.count());
      continue;
    }
    // `delivering` without a send of ours: left by a crash; sent again under its MessageId.
    if (!ctx.in_flight->claim(d.id, job_id, me))
      continue;
    ready.push_back({d, *p, std::make_shared<platform_gate::slot>(std::move(*slot))});
  }
  if (!open && !more_items) {
    if (bulk)
      complete_bulk(ctx, *job, counted);
    else
      complete(ctx, *job, ds);
    return {};
  }
  report_progress(ctx, *job, counted); // (the end writes its own)
  // The next pass: when a send ends (see below), or when a held delivery may go.
  const step_outcome next{step_outcome::wait, more_items ? 0 : std::max(wait, 10)};
  if (ready.empty())
    return next;

  const auto started = begin_sends(ctx, ready);
  bool changed = false;
  for (std::size_t i = 0; i < ready.size(); ++i) {
    auto& r = ready[i];
    if (!started[i]) { // changed since it was read (cancelled, or its earlier send just ended); the slot frees as `r` goes
      changed = true;
      continue;
    }
    ctx.sender->post([ctx, ds = r.all(), platform = r.p, cache = st.package, gated = st.gated, held = r.slot]() mutable {
      run_send(ctx, ds, platform, *cache, *gated, std::move(held));
    });
  }
  return changed ? step_outcome{step_outcome::wait, 0} : next; // look again at once after a surprise
}

void load(self_ptr self) {
  const auto id = self->state.job_id;
  auto* store = self->state.ctx.store;
  off_thread(self, [id, store](const job_actor& me) {
    const auto job = store->find_job(id);
    if (!job || domain::is_terminal(job->status)) {
      caf::anon_send(me, finished_atom::value);
      return;
    }
    begin_attempt(*store, id, me);
  });
}

} // namespace

job_actor::behavior_type distribution_job(self_ptr self, job_context ctx, std::int64_t job_id) {
  init_job_actor(self, ctx, job_id);
  load(self);
  return {
    [=](started_atom, const std::string&, std::int64_t, std::int64_t) { self->send(self, step_atom::value); },
    [=](step_atom) {
      auto& st = self->state;
      if (st.stepping) {
        st.again = true; // one pass at a time; run another right after this one
        return;
      }
      st.stepping = true;
      const auto me = caf::actor_cast<job_actor>(self);
      off_thread(self, st.ctx.sender, [pass = st, me](const job_actor&) {
        const auto outcome = next_step(pass.ctx, pass.job_id, pass, me);
        if (outcome.kind == step_outcome::wait)
          caf::anon_send(me, done_atom::value, std::int64_t{outcome.wait_ms}, true);
        else
          caf::anon_send(me, finished_atom::value);
      });
    },
    [=](done_atom, std::int64_t wait_ms, bool) {
      auto& st = self->state;
      st.stepping = false;
      if (st.again || wait_ms == 0) {
        st.again = false;
        self->send(self, step_atom::value);
      } else {
        self->delayed_send(self, std::chrono::milliseconds(wait_ms), step_atom::value);
      }
    },
    [=](finished_atom) { self->quit(); },
    [=](failed_atom, const std::string& reason, bool transient) { self->quit(job_exit(reason, transient)); },
    [=](lost_atom, const std::string& reason) { self->quit(caf::make_error(ec::lease_lost, reason)); },
  };
}

} // namespace tunemantra::actors
