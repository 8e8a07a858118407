#include "persistence/readiness.hpp"

#include "domain/time.hpp"

namespace tunemantra::persistence {

std::vector<domain::release_issue> release_issues(store& s, std::int64_t account, const domain::release& release) {
  std::vector<domain::track_for_check> tracks;
  for (auto& t : s.catalog().list_tracks(account, release.id)) {
    auto splits = s.catalog().find_splits(account, t.recording_id);
    tracks.push_back({std::move(t), std::move(splits)});
  }
  const auto today = domain::format_rfc3339(domain::now_millis()).substr(0, 10);
  return domain::check_release(release, tracks, today);
}

} // namespace tunemantra::persistence
