#include "domain/catalog.hpp"

#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

#include "domain/identifiers.hpp"

namespace tunemantra::domain {

std::string_view to_string(release_type t) {
  switch (t) {
    case release_type::single: return "single";
    case release_type::ep: return "ep";
    case release_type::album: return "album";
  }
  return "single";
}

std::optional<release_type> parse_release_type(std::string_view text) {
  for (auto t : {release_type::single, release_type::ep, release_type::album})
    if (to_string(t) == text)
      return t;
  return std::nullopt;
}

std::string_view to_string(release_status s) {
  switch (s) {
    case release_status::draft: return "draft";
    case release_status::ready: return "ready";
    case release_status::distributed: return "distributed";
    case release_status::taken_down: return "taken_down";
  }
  return "draft";
}

std::optional<release_status> parse_release_status(std::string_view text) {
  for (auto s : {release_status::draft, release_status::ready, release_status::distributed, release_status::taken_down})
    if (to_string(s) == text)
      return s;
  return std::nullopt;
}

bool is_parental_warning(std::string_view value) {
  static constexpr std::string_view values[] = {"Explicit", "ExplicitContentEdited", "NotExplicit",
                                                "NoAdviceAvailable", "Unknown"};
  return std::find(std::begin(values), std::end(values), value) != std::end(values);
}

bool is_contributor_role(std::string_view role) {
  static constexpr std::string_view roles[] = {
    "MainArtist", "FeaturedArtist", "Artist",     "Composer",          "Lyricist",  "ComposerLyricist",
    "Producer",   "Remixer",        "Arranger",   "Conductor",         "Orchestra", "Mixer",
    "MasteringEngineer", "RecordingEngineer", "Engineer", "Performer", "Vocalist", "Musician"};
  return std::find(std::begin(roles), std::end(roles), role) != std::end(roles);
}

std::string contributors_to_json(const std::vector<contributor>& list) {
  auto out = nlohmann::json::array();
  for (const auto& c : list) {
    nlohmann::json item = {{"name", c.name}, {"role", c.role}};
    if (c.artist_id)
      item["artistId"] = *c.artist_id;
    out.push_back(std::move(item));
  }
  return out.dump();
}

std::vector<contributor> contributors_from_json(std::string_view text) {
  std::vector<contributor> out;
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_array())
    return out;
  for (const auto& item : doc) {
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string())
      continue;
    contributor c{item["name"].get<std::string>(), item.value("role", std::string()), std::nullopt};
    if (item.contains("artistId") && item["artistId"].is_number_integer())
      c.artist_id = item["artistId"].get<std::int64_t>();
    out.push_back(std::move(c));
  }
  return out;
}

bool is_calendar_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-')
    return false;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
    if (s[i] < '0' || s[i] > '9')
      return false;
  const int y = std::stoi(std::string(s.substr(0, 4)));
  const unsigned m = static_cast<unsigned>(std::stoi(std::string(s.substr(5, 2))));
  const unsigned d = static_cast<unsigned>(std::stoi(std::string(s.substr(8, 2))));
  return y >= 1900 && std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}}.ok();
}

std::optional<std::string> check_isni(std::string_view text) {
  std::string s;
  for (char c : text)
    if (c != ' ' && c != '-')
      s += c;
  if (s.size() != 16 || !std::all_of(s.begin(), s.end() - 1, [](char c) { return c >= '0' && c <= '9'; })
      || !((s.back() >= '0' && s.back() <= '9') || s.back() == 'X'))
    return "an ISNI has 16 characters: 15 digits and a check digit or X";
  // ISO 7064 MOD 11-2, as for ORCID.
  int total = 0;
  for (std::size_t i = 0; i < 15; ++i)
    total = (total + (s[i] - '0')) * 2;
  const int result = (12 - total % 11) % 11;
  const char check = result == 10 ? 'X' : static_cast<char>('0' + result);
  if (check != s.back())
    return "the ISNI check character is wrong";
  return std::nullopt;
}

std::optional<std::string> check_territories(const std::vector<std::string>& territories) {
  if (territories.empty())
    return "name at least one territory, or Worldwide";
  if (territories.size() == 1 && territories[0] == "Worldwide")
    return std::nullopt;
  for (const auto& t : territories)
    if (!is_country_code(t))
      return t == "Worldwide" ? "Worldwide stands alone" : t + " is not an ISO 3166-1 alpha-2 code";
  return std::nullopt;
}

std::optional<std::string> check_splits(const std::vector<royalty_split>& splits) {
  if (splits.empty())
    return "must name at least one payee";
  if (splits.size() > 100)
    return "may name at most 100 payees";
  long total = 0;
  for (std::size_t i = 0; i < splits.size(); ++i) {
    const auto& a = splits[i];
    const auto where = "entry " + std::to_string(i) + ": ";
    if (a.payee_user_id.has_value() == !a.payee_name.empty())
      return where + "give either payeeUserId or payeeName";
    if (a.share_bps < 1 || a.share_bps > full_share_bps)
      return where + "shareBps must be 1 to 10000";
    for (std::size_t j = 0; j < i; ++j) {
      const auto& b = splits[j];
      if ((a.payee_user_id && a.payee_user_id == b.payee_user_id) || (!a.payee_name.empty() && a.payee_name == b.payee_name))
        return where + "the same payee appears twice";
    }
    total += a.share_bps;
  }
  if (total != full_share_bps)
    return "shares add up to " + std::to_string(total) + " bps; they must add up to exactly 10000";
  return std::nullopt;
}

} // namespace tunemantra::domain
