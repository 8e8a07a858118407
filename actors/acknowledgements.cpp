#include "actors/acknowledgements.hpp"

#include <algorithm>
#include <map>
#include <mutex>

#include "actors/connectors/registry.hpp"
#include "domain/log.hpp"
#include "domain/time.hpp"

namespace tunemantra::actors {
namespace {

using domain::delivery_status;
constexpr std::int64_t unreadable_grace_ms = 60'000; ///< a file may still be being written meanwhile

std::string digits(std::string_view s) {
  std::string out;
  for (const char c : s)
    if (c >= '0' && c <= '9')
      out += c;
  return out;
}

/// Candidates for the part: by MessageId when it names one, else the sent deliveries of each
/// release id it names (an ICPN is a UPC; a GRid or proprietary id finds nothing here).
std::vector<domain::delivery> candidates(persistence::store& store, const domain::platform& p,
                                         const domain::release_ack& a) {
  std::vector<domain::delivery> out;
  if (!a.message_id.empty())
    if (auto d = store.delivery().find_delivery_by_message(a.message_id); d && d->platform_id == p.id)
      return {*d};
  for (const auto& id : a.release_ids) {
    auto found = store.delivery().sent_deliveries_of_upc(p.id, id);
    out.insert(out.end(), found.begin(), found.end());
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return x.delivered_at.value_or(0) > y.delivered_at.value_or(0);
  });
  return out;
}

/// Platforms whose acknowledgements could not be read lately: not tried again until their time
/// (1 s doubling to 5 min), and the error logged when it first happens or changes.
class read_backoff {
public:
  bool due(std::int64_t platform, domain::millis now) {
    std::lock_guard lock(mutex_);
    const auto it = failing_.find(platform);
    return it == failing_.end() || now >= it->second.next;
  }
  void failed(const domain::platform& p, const std::string& error, domain::millis now) {
    std::lock_guard lock(mutex_);
    auto& f = failing_[p.id];
    if (f.error != error)
      log::warn("reading acknowledgements failed", {{"platform", p.code}, {"error", error}});
    f.error = error;
    f.failures = std::min(f.failures + 1, 20);
    f.next = now + std::min<domain::millis>(1000LL << (f.failures - 1), 300'000);
  }
  void succeeded(const domain::platform& p) {
    std::lock_guard lock(mutex_);
    if (failing_.erase(p.id) > 0)
      log::info("reading acknowledgements works again", {{"platform", p.code}});
  }

private:
  struct failing {
    int failures = 0;
    domain::millis next = 0;
    std::string error;
  };
  std::mutex mutex_;
  std::map<std::int64_t, failing> failing_;
};

read_backoff& backoff() {
  static read_backoff instance;
  return instance;
}

enum class part_result { applied, nothing, later };

/// Applies one part of an acknowledgement.
part_result apply_part(persistence::store& store, const domain::platform& p, const std::string& file,
                       const domain::release_ack& a) {
  const auto d = match_acknowledgement(a, candidates(store, p, a));
  if (!d) {
    std::string ids;
    for (const auto& id : a.release_ids)
      ids += (ids.empty() ? "" : ",") + id;
    log::warn("acknowledgement names no delivery of this platform", {{"platform", p.code},
                                                                     {"file", file},
                                                                     {"release", ids},
                                                                     {"message_id", a.message_id},
                                                                     {"batch_id", a.batch_id}});
    return part_result::nothing;
  }
  // Acknowledged before its send was recorded (the platform is quick): the file waits for it.
  if (d->status == delivery_status::delivering)
    return part_result::later;
  const auto summary = ack_summary(a);
  if (d->action == domain::ern_action::takedown)
    return part_result::nothing; // a takedown's acknowledgement confirms it; its status stays taken_down
  if (a.outcome == domain::ack_outcome::in_progress) {
    persistence::delivery_change progress{delivery_status::delivered};
    progress.ack_text = summary;
    progress.event = p.name + " reports " + a.status + " for " + d->message_id;
    store.delivery().transition(d->id, {delivery_status::delivered}, progress);
    return part_result::nothing;
  }
  const bool accepted = a.outcome == domain::ack_outcome::accepted;
  persistence::delivery_change change{accepted ? delivery_status::acknowledged : delivery_status::rejected};
  change.ack_text = summary;
  change.acknowledged_at = domain::now_millis();
  change.event = p.name + (accepted ? " acknowledged " : " rejected ") + d->message_id + " (" + file + "): " + summary;
  return store.delivery().transition(d->id, {delivery_status::delivered}, change) ? part_result::applied
                                                                                  : part_result::nothing;
}

} // namespace

std::optional<domain::delivery> match_acknowledgement(const domain::release_ack& a,
                                                      const std::vector<domain::delivery>& sent) {
  if (!a.message_id.empty())
    for (const auto& d : sent)
      if (d.message_id == a.message_id)
        return d;
  if (!a.batch_id.empty()) {
    for (const auto& d : sent)
      if (d.batch_id == a.batch_id)
        return d;
    if (a.message_id.empty())
      return std::nullopt; // it names a batch none of these went in
  }
  if (const auto day = digits(a.date); !day.empty()) {
    for (const auto& d : sent)
      if (d.batch_id.starts_with(day) ||
          (d.delivered_at && digits(domain::format_rfc3339(*d.delivered_at)).starts_with(day)))
        return d;
    return std::nullopt;
  }
  if (!a.message_id.empty())
    return std::nullopt; // a MessageId none of these has
  for (const auto& d : sent)
    if (d.status == delivery_status::delivered)
      return d;
  return sent.empty() ? std::nullopt : std::optional(sent.front());
}

std::string ack_summary(const domain::release_ack& a) {
  std::string out = a.status;
  if (!a.text.empty())
    out += ": " + a.text;
  if (!a.affected.empty()) {
    out += " (affected:";
    for (const auto& r : a.affected)
      out += " " + r;
    out += ")";
  }
  return out;
}

int apply_acknowledgements(persistence::store& store) {
  int applied = 0;
  for (const auto& p : store.delivery().list_platforms()) {
    const auto* c = find_connector(p.connector.type);
    if (!c)
      continue;
    if (!backoff().due(p.id, domain::now_millis()))
      continue;
    std::vector<ack_file> files;
    try {
      files = c->fetch_acknowledgements(p);
      backoff().succeeded(p);
    } catch (const std::exception& e) {
      backoff().failed(p, e.what(), domain::now_millis());
      continue;
    }
    for (const auto& f : files) {
      std::string error;
      const auto doc = domain::parse_acknowledgement(f.bytes, error);
      if (!doc) {
        if (f.age_ms < unreadable_grace_ms)
          continue; // perhaps still being written: read again on a later poll
        log::warn("acknowledgement file given up", {{"platform", p.code}, {"file", f.name}, {"error", error}});
      } else {
        bool later = false;
        for (const auto& part : doc->releases) {
          const auto r = apply_part(store, p, f.name, part);
          applied += r == part_result::applied ? 1 : 0;
          later = later || r == part_result::later;
        }
        if (later)
          continue; // read again on a later poll; the parts applied now do not apply twice
      }
      try {
        c->settle_acknowledgement(p, f);
      } catch (const std::exception& e) {
        log::warn("settling an acknowledgement failed", {{"platform", p.code}, {"file", f.name}, {"error", e.what()}});
      }
    }
  }
  return applied;
}

} // namespace tunemantra::actors
