// Tracks: POST/GET /api/releases/{id}/tracks and GET/PATCH/DELETE /api/tracks/{id}. A track's ISRC
// names its recording; the same ISRC on two releases of an account is the same recording.

#include <chrono>

#include <httplib.h>

#include "domain/catalog.hpp"
#include "domain/identifiers.hpp"
#include "domain/time.hpp"
#include "http/auth.hpp"
#include "http/catalog_json.hpp"
#include "http/envelope.hpp"
#include "http/router.hpp"
#include "http/services.hpp"
#include "http/validate.hpp"

namespace tunemantra::http {
namespace {

using nlohmann::json;
using track_result = persistence::catalog_store::track_result;


int current_year() {
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  return static_cast<int>(std::chrono::year_month_day{today}.year());
}

/// Applies the track fields present in the body; `creating` makes title and position required.
void read_track(json_body& b, domain::track& t, bool creating, services& s) {
  if (auto title = b.string("title", creating, 1, 300))
    t.title = *title;
  if (auto position = b.integer("position", creating, 1, 999))
    t.position = static_cast<int>(*position);
  if (auto isrc = b.string("isrc", false, 1, 20)) {
    const auto checked = domain::check_isrc(*isrc, current_year());
    if (checked)
      t.isrc = *checked.value;
    else
      b.invalid("isrc", checked.problem);
  }
  if (b.has("explicit")) {
    if (b.raw("explicit").is_boolean())
      t.explicit_content = b.raw("explicit").get<bool>();
    else
      b.invalid("explicit", "must be true or false");
  }
  if (b.has("contributors")) {
    const auto& list = b.raw("contributors");
    if (!list.is_array() || list.size() > 100) {
      b.invalid("contributors", "must be an array of at most 100 contributors");
      return;
    }
    t.contributors.clear();
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto field = "contributors[" + std::to_string(i) + "]";
      const auto& item = list[i];
      if (!item.is_object() || !item.contains("name") || !item["name"].is_string() || item["name"].get<std::string>().empty()
          || utf8_length(item["name"].get<std::string>()) > 200) {
        b.invalid(field + ".name", "is required (1 to 200 characters)");
        continue;
      }
      domain::contributor c{item["name"].get<std::string>(), item.value("role", std::string()), std::nullopt};
      if (!domain::is_contributor_role(c.role))
        b.invalid(field + ".role", "must be a DDEX contributor role such as MainArtist, FeaturedArtist or Composer");
      if (item.contains("artistId") && !item["artistId"].is_null()) {
        if (!item["artistId"].is_number_integer() || !s.store.catalog().find_artist(t.account_id, item["artistId"].get<std::int64_t>()))
          b.invalid(field + ".artistId", "no such artist");
        else
          c.artist_id = item["artistId"].get<std::int64_t>();
      }
      t.contributors.push_back(std::move(c));
    }
  }
}

void answer_result(httplib::Response& res, track_result result, const std::string& what) {
  if (result == track_result::not_found)
    send_error(res, "NOT_FOUND", "no " + what);
  else
    send_error(res, "CONFLICT", "another track of the release has that position",
               json::array({{{"field", "position"}, {"message", "is taken"}}}));
}

/// Reads `[{payeeUserId | payeeName, shareBps}]`, collecting every problem.
std::vector<domain::royalty_split> read_splits(const json& body, services& s, json& problems) {
  std::vector<domain::royalty_split> out;
  auto invalid = [&](const std::string& field, const std::string& message) {
    problems.push_back({{"field", field}, {"message", message}});
  };
  if (!body.is_array()) {
    invalid("", "must be an array of {payeeUserId or payeeName, shareBps}");
    return out;
  }
  for (std::size_t i = 0; i < body.size() && i <= 100; ++i) {
    const auto field = "[" + std::to_string(i) + "]";
    const auto& item = body[i];
    if (!item.is_object()) {
      invalid(field, "must be an object");
      continue;
    }
    domain::royalty_split split;
    if (item.contains("payeeUserId") && !item["payeeUserId"].is_null()) {
      const auto& id = item["payeeUserId"];
      if (!id.is_number_integer() || id.get<long long>() < 1 || !s.accounts().find_user(id.get<std::int64_t>()))
        invalid(field + ".payeeUserId", "no such user");
      else
        split.payee_user_id = id.get<std::int64_t>();
    }
    if (item.contains("payeeName") && !item["payeeName"].is_null()) {
      const auto& name = item["payeeName"];
      if (!name.is_string() || name.get<std::string>().empty() || utf8_length(name.get<std::string>()) > 200)
        invalid(field + ".payeeName", "must be 1 to 200 characters");
      else
        split.payee_name = name.get<std::string>();
    }
    const auto& share = item.contains("shareBps") ? item["shareBps"] : json(nullptr);
    if (!share.is_number_integer() || share.get<long long>() < 1 || share.get<long long>() > domain::full_share_bps)
      invalid(field + ".shareBps", "must be an integer from 1 to 10000 (basis points)");
    else
      split.share_bps = share.get<int>();
    out.push_back(std::move(split));
  }
  if (problems.empty())
    if (auto problem = domain::check_splits(out))
      invalid("", *problem);
  return out;
}

json splits_view(const domain::track& t, const std::vector<domain::royalty_split>& splits) {
  return {{"trackId", t.id}, {"recordingId", t.recording_id}, {"isrc", t.isrc}, {"splits", splits_json(splits)}};
}

} // namespace

void add_track_routes(router& r, services& s) {
  r.add("PUT", "/api/tracks/{id}/splits", access::needs("catalog:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          const auto account = ctx.who->user.id;
          const auto t = s.store.catalog().find_track(account, std::stoll(ctx.params[0]));
          if (!t)
            return send_error(res, "NOT_FOUND", "no track " + ctx.params[0]);
          const auto body = json_body::parse_json(req, res);
          if (!body)
            return;
          json problems = json::array();
          const auto splits = read_splits(*body, s, problems);
          if (!problems.empty())
            return send_error(res, "VALIDATION_ERROR", "the splits are not valid", problems);
          const auto before = s.store.catalog().find_splits(account, t->recording_id);
          if (!s.store.catalog().replace_splits(account, t->recording_id, splits))
            return send_error(res, "NOT_FOUND", "no track " + ctx.params[0]);
          audit(s, req, ctx.who, "splits_updated", "recording:" + std::to_string(t->recording_id),
                {{"trackId", t->id}, {"before", splits_json(before)}, {"after", splits_json(splits)}});
          send_data(res, 200, splits_view(*t, splits));
        });
  r.add("GET", "/api/tracks/{id}/splits", access::needs("catalog:read"),
        [&s](const httplib::Request&, httplib::Response& res, const request_ctx& ctx) {
          const auto account = ctx.who->user.id;
          const auto t = s.store.catalog().find_track(account, std::stoll(ctx.params[0]));
          if (!t)
            return send_error(res, "NOT_FOUND", "no track " + ctx.params[0]);
          send_data(res, 200, splits_view(*t, s.store.catalog().find_splits(account, t->recording_id)));
        });
  r.add("POST", "/api/releases/{id}/tracks", access::needs("catalog:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          domain::track t;
          t.account_id = ctx.who->user.id;
          t.release_id = std::stoll(ctx.params[0]);
          if (!s.store.catalog().find_release(t.account_id, t.release_id))
            return send_error(res, "NOT_FOUND", "no release " + ctx.params[0]);
          auto body = json_body::parse(req, res);
          if (!body)
            return;
          read_track(*body, t, true, s);
          if (body->reply_if_invalid(res))
            return;
          const auto result = s.store.catalog().create_track(t, s.cfg.catalog.isrc_registrant, current_year());
          if (result != track_result::ok)
            return answer_result(res, result, "release " + ctx.params[0]);
          audit(s, req, ctx.who, "track_created", "track:" + std::to_string(t.id), {{"before", nullptr}, {"after", track_json(t)}});
          res.set_header("Location", "/api/tracks/" + std::to_string(t.id));
          send_data(res, 201, track_json(t));
        });
  r.add("GET", "/api/releases/{id}/tracks", access::needs("catalog:read"),
        [&s](const httplib::Request&, httplib::Response& res, const request_ctx& ctx) {
          const auto account = ctx.who->user.id;
          const auto release = std::stoll(ctx.params[0]);
          if (!s.store.catalog().find_release(account, release))
            return send_error(res, "NOT_FOUND", "no release " + ctx.params[0]);
          json items = json::array();
          for (const auto& t : s.store.catalog().list_tracks(account, release))
            items.push_back(track_json(t));
          send_data(res, 200, std::move(items), {{"total", items.size()}});
        });
  r.add("GET", "/api/tracks/{id}", access::needs("catalog:read"),
        [&s](const httplib::Request&, httplib::Response& res, const request_ctx& ctx) {
          const auto t = s.store.catalog().find_track(ctx.who->user.id, std::stoll(ctx.params[0]));
          if (!t)
            return send_error(res, "NOT_FOUND", "no track " + ctx.params[0]);
          send_data(res, 200, track_json(*t));
        });
  r.add("PATCH", "/api/tracks/{id}", access::needs("catalog:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          const auto before = s.store.catalog().find_track(ctx.who->user.id, std::stoll(ctx.params[0]));
          if (!before)
            return send_error(res, "NOT_FOUND", "no track " + ctx.params[0]);
          auto body = json_body::parse(req, res);
          if (!body)
            return;
          auto t = *before;
          read_track(*body, t, false, s);
          if (body->reply_if_invalid(res))
            return;
          const auto result = s.store.catalog().update_track(t);
          if (result != track_result::ok)
            return answer_result(res, result, "track " + ctx.params[0]);
          audit(s, req, ctx.who, "track_updated", "track:" + ctx.params[0],
                {{"before", track_json(*before)}, {"after", track_json(t)}});
          send_data(res, 200, track_json(t));
        });
  r.add("DELETE", "/api/tracks/{id}", access::needs("catalog:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          const auto before = s.store.catalog().find_track(ctx.who->user.id, std::stoll(ctx.params[0]));
          if (!before || !s.store.catalog().delete_track(ctx.who->user.id, before->id))
            return send_error(res, "NOT_FOUND", "no track " + ctx.params[0]);
          audit(s, req, ctx.who, "track_deleted", "track:" + ctx.params[0], {{"before", track_json(*before)}, {"after", nullptr}});
          res.status = 204;
        });
}

} // namespace tunemantra::http
