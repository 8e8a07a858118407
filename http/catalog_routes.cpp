// Catalog: artists and releases. Every route is scoped to the caller's account; every change is
// audited with the record before and after.

#include <httplib.h>

#include "domain/catalog.hpp"
#include "domain/identifiers.hpp"
#include "domain/time.hpp"
#include "persistence/readiness.hpp"
#include "http/auth.hpp"
#include "http/catalog_json.hpp"
#include "http/envelope.hpp"
#include "http/query.hpp"
#include "http/router.hpp"
#include "http/services.hpp"
#include "http/validate.hpp"

namespace tunemantra::http {
namespace {

using nlohmann::json;



std::int64_t account_of(const request_ctx& ctx) { return ctx.who->user.id; }

/// Applies the artist fields present in the body; `creating` makes name required.
void read_artist(json_body& b, domain::artist& a, bool creating) {
  if (auto name = b.string("name", creating, 1, 200))
    a.name = *name;
  if (b.has("isni")) {
    if (auto isni = b.string("isni", false, 1, 32)) {
      b.check("isni", domain::check_isni(*isni));
      a.isni = *isni;
    }
  }
  if (auto spotify = b.nested_string("platformIds", "spotify", 1, 100))
    a.spotify_id = *spotify;
  if (auto apple = b.nested_string("platformIds", "apple", 1, 100))
    a.apple_id = *apple;
}

/// Applies the release fields present in the body; `creating` makes title, artistId, type and
/// releaseDate required. Optional metadata may stay empty until validation asks for it.
void read_release(json_body& b, domain::release& r, bool creating, services& s, std::int64_t account) {
  if (auto title = b.string("title", creating, 1, 300))
    r.title = *title;
  if (auto artist = b.integer("artistId", creating, 1, INT64_MAX)) {
    if (!s.store.catalog().find_artist(account, *artist))
      b.invalid("artistId", "no such artist");
    r.artist_id = *artist;
  }
  if (auto type = b.string("type", creating, 1, 16)) {
    if (auto t = domain::parse_release_type(*type))
      r.type = *t;
    else
      b.invalid("type", "must be single, ep or album");
  }
  if (auto upc = b.string("upc", false, 1, 20)) {
    const auto checked = domain::check_gtin(*upc);
    if (checked)
      r.upc = *checked.value;
    else
      b.invalid("upc", checked.problem);
  }
  for (auto [field, target] : {std::pair{"releaseDate", &r.release_date},
                               std::pair{"originalReleaseDate", &r.original_release_date}}) {
    if (auto date = b.string(field, creating && std::string(field) == "releaseDate", 10, 10)) {
      if (domain::is_calendar_date(*date))
        *target = *date;
      else
        b.invalid(field, "must be a date YYYY-MM-DD");
    }
  }
  for (auto [field, target] : {std::pair{"labelName", &r.label_name}, std::pair{"genre", &r.genre},
                               std::pair{"pLine", &r.p_line}, std::pair{"cLine", &r.c_line}})
    if (auto value = b.string(field, false, 1, 300))
      *target = *value;
  if (auto warning = b.string("parentalWarning", false, 1, 32)) {
    if (domain::is_parental_warning(*warning))
      r.parental_warning = *warning;
    else
      b.invalid("parentalWarning", "must be a DDEX value: Explicit, ExplicitContentEdited, NotExplicit, "
                                   "NoAdviceAvailable or Unknown");
  }
  if (auto territories = b.strings("territories", false, 300)) {
    b.check("territories", domain::check_territories(*territories));
    r.territories = *territories;
  }
}

void audit_change(services& s, const httplib::Request& req, const request_ctx& ctx, const std::string& action,
                  const std::string& target, json before, json after) {
  audit(s, req, ctx.who, action, target, {{"before", std::move(before)}, {"after", std::move(after)}});
}

void add_artist_routes(router& r, services& s) {
  r.add("POST", "/api/artists", access::needs("catalog:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          auto body = json_body::parse(req, res);
          if (!body)
            return;
          domain::artist a;
          a.account_id = account_of(ctx);
          read_artist(*body, a, true);
          if (body->reply_if_invalid(res))
            return;
          const auto created = s.store.catalog().create_artist(a);
          audit_change(s, req, ctx, "artist_created", "artist:" + std::to_string(created.id), nullptr,
                       artist_json(created));
          res.set_header("Location", "/api/artists/" + std::to_string(created.id));
          send_data(res, 201, artist_json(created));
        });
  r.add("GET", "/api/artists", access::needs("catalog:read"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          query q{req};
          domain::catalog_filter f;
          q.paging(f.page, f.limit);
          f.search = q.text("search", 200);
          if (!q.ok())
            return send_error(res, "VALIDATION_ERROR", "invalid query parameters", q.details());
          const auto page = s.store.catalog().list_artists(account_of(ctx), f);
          json items = json::array();
          for (const auto& a : page.items)
            items.push_back(artist_json(a));
          send_data(res, 200, std::move(items), {{"page", page.page}, {"limit", page.limit}, {"total", page.total}});
        });
  r.add("GET", "/api/artists/{id}", access::needs("catalog:read"),
        [&s](const httplib::Request&, httplib::Response& res, const request_ctx& ctx) {
          const auto a = s.store.catalog().find_artist(account_of(ctx), std::stoll(ctx.params[0]));
          if (!a)
            return send_error(res, "NOT_FOUND", "no artist " + ctx.params[0]);
          send_data(res, 200, artist_json(*a));
        });
  r.add("PATCH", "/api/artists/{id}", access::needs("catalog:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          const auto before = s.store.catalog().find_artist(account_of(ctx), std::stoll(ctx.params[0]));
          if (!before)
            return send_error(res, "NOT_FOUND", "no artist " + ctx.params[0]);
          auto body = json_body::parse(req, res);
          if (!body)
            return;
          auto a = *before;
          read_artist(*body, a, false);
          if (body->reply_if_invalid(res))
            return;
          const auto after = s.store.catalog().update_artist(a);
          if (!after)
            return send_error(res, "NOT_FOUND", "no artist " + ctx.params[0]);
          audit_change(s, req, ctx, "artist_updated", "artist:" + ctx.params[0], artist_json(*before),
                       artist_json(*after));
          send_data(res, 200, artist_json(*after));
        });
  r.add("DELETE", "/api/artists/{id}", access::needs("catalog:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          const auto id = std::stoll(ctx.params[0]);
          const auto before = s.store.catalog().find_artist(account_of(ctx), id);
          using result = persistence::catalog_store::delete_result;
          switch (s.store.catalog().delete_artist(account_of(ctx), id)) {
            case result::not_found: return send_error(res, "NOT_FOUND", "no artist " + ctx.params[0]);
            case result::in_use:
              return send_error(res, "INVALID_STATE", "the artist has releases; delete or move them first");
            case result::deleted: break;
          }
          audit_change(s, req, ctx, "artist_deleted", "artist:" + ctx.params[0],
                       before ? artist_json(*before) : json(nullptr), nullptr);
          res.status = 204;
        });
}

void add_release_routes(router& r, services& s) {
  r.add("POST", "/api/releases", access::needs("catalog:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          auto body = json_body::parse(req, res);
          if (!body)
            return;
          domain::release rel;
          rel.account_id = account_of(ctx);
          read_release(*body, rel, true, s, rel.account_id);
          if (body->reply_if_invalid(res))
            return;
          const auto created = s.store.catalog().create_release(rel, s.cfg.catalog.upc_prefix);
          if (!created)
            return send_error(res, "CONFLICT", "another release of yours has the UPC " + rel.upc,
                              json::array({{{"field", "upc"}, {"message", "is taken"}}}));
          audit_change(s, req, ctx, "release_created", "release:" + std::to_string(created->id), nullptr,
                       release_json(*created));
          res.set_header("Location", "/api/releases/" + std::to_string(created->id));
          send_data(res, 201, release_json(*created));
        });
  r.add("GET", "/api/releases", access::needs("catalog:read"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          query q{req};
          domain::catalog_filter f;
          q.paging(f.page, f.limit);
          f.search = q.text("search", 300);
          f.artist_id = q.integer("artistId", 1, INT64_MAX);
          if (auto status = q.text("status", 16)) {
            f.status = domain::parse_release_status(*status);
            if (!f.status)
              q.invalid("status", "must be draft, ready, distributed or taken_down");
          }
          if (!q.ok())
            return send_error(res, "VALIDATION_ERROR", "invalid query parameters", q.details());
          const auto page = s.store.catalog().list_releases(account_of(ctx), f);
          json items = json::array();
          for (const auto& rel : page.items)
            items.push_back(release_json(rel));
          send_data(res, 200, std::move(items), {{"page", page.page}, {"limit", page.limit}, {"total", page.total}});
        });
  r.add("GET", "/api/releases/{id}", access::needs("catalog:read"),
        [&s](const httplib::Request&, httplib::Response& res, const request_ctx& ctx) {
          const auto rel = s.store.catalog().find_release(account_of(ctx), std::stoll(ctx.params[0]));
          if (!rel)
            return send_error(res, "NOT_FOUND", "no release " + ctx.params[0]);
          send_data(res, 200, release_json(*rel));
        });
  r.add("PATCH", "/api/releases/{id}", access::needs("catalog:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          const auto before = s.store.catalog().find_release(account_of(ctx), std::stoll(ctx.params[0]));
          if (!before)
            return send_error(res, "NOT_FOUND", "no release " + ctx.params[0]);
          auto body = json_body::parse(req, res);
          if (!body)
            return;
          auto rel = *before;
          read_release(*body, rel, false, s, account_of(ctx));
          if (body->reply_if_invalid(res))
            return;
          try {
            const auto after = s.store.catalog().update_release(rel);
            if (!after)
              return send_error(res, "NOT_FOUND", "no release " + ctx.params[0]);
            audit_change(s, req, ctx, "release_updated", "release:" + ctx.params[0], release_json(*before),
                         release_json(*after));
            send_data(res, 200, release_json(*after));
          } catch (const persistence::store_error& e) {
            send_error(res, "CONFLICT", e.what(), json::array({{{"field", "upc"}, {"message", "is taken"}}}));
          }
        });
  r.add("DELETE", "/api/releases/{id}", access::needs("catalog:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          const auto before = s.store.catalog().find_release(account_of(ctx), std::stoll(ctx.params[0]));
          if (!before)
            return send_error(res, "NOT_FOUND", "no release " + ctx.params[0]);
          if (before->status == domain::release_status::distributed)
            return send_error(res, "INVALID_STATE", "a distributed release is taken down, not deleted",
                              {{"status", domain::to_string(before->status)}});
          s.store.catalog().delete_release(before->account_id, before->id);
          audit_change(s, req, ctx, "release_deleted", "release:" + ctx.params[0], release_json(*before), nullptr);
          res.status = 204;
        });
}

} // namespace

void add_validate_route(router& r, services& s) {
  r.add("POST", "/api/releases/{id}/validate", access::needs("catalog:read"),
        [&s](const httplib::Request&, httplib::Response& res, const request_ctx& ctx) {
          const auto account = account_of(ctx);
          const auto release = s.store.catalog().find_release(account, std::stoll(ctx.params[0]));
          if (!release)
            return send_error(res, "NOT_FOUND", "no release " + ctx.params[0]);
          send_data(res, 200, validation_json(persistence::release_issues(s.store, account, *release)));
        });
}

void add_catalog_routes(router& r, services& s) {
  add_artist_routes(r, s);
  add_release_routes(r, s);
  add_validate_route(r, s);
}

} // namespace tunemantra::http
