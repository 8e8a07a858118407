// Artists and releases over real HTTP, on SQLite and PostgreSQL: validation, identifiers,
// pagination and filters, account scoping and the audit trail.

#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "domain/identifiers.hpp"
#include "tests/http/live_server.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra::http {
namespace {

using json = nlohmann::json;

json body_of(const httplib::Result& r) { return json::parse(r->body); }

class catalog_api : public ::testing::TestWithParam<persistence::backend_kind> {
protected:
  void SetUp() override {
    cfg_.database = test::database_config_for(db_.url());
    cfg_.http.port = 0;
    cfg_.http.threads = 8;
    live_ = std::make_unique<live_server>(cfg_);
    alice_ = live_->key_for("alice", domain::role::artist);
    bob_ = live_->key_for("bob", domain::role::label);
  }
  httplib::Client as(const std::string& key) { return live_->client(key); }

  std::int64_t artist(const std::string& key, const std::string& name) {
    auto r = as(key).Post("/api/artists", json{{"name", name}}.dump(), "application/json");
    EXPECT_EQ(r->status, 201) << r->body;
    return body_of(r)["data"]["id"].get<std::int64_t>();
  }
  httplib::Result release(const std::string& key, json fields) {
    return as(key).Post("/api/releases", fields.dump(), "application/json");
  }

  test::scratch_database db_{GetParam()};
  config::config cfg_;
  std::unique_ptr<live_server> live_;
  std::string alice_, bob_;
};

TEST_P(catalog_api, artists_are_created_listed_searched_and_updated) {
  auto c = as(alice_);
  auto r = c.Post("/api/artists",
                  json{{"name", "Ada & The Engines"}, {"isni", "0000 0002 1825 0097"}, {"platformIds", {{"spotify", "sp1"}}}}
                    .dump(),
                  "application/json");
  ASSERT_EQ(r->status, 201) << r->body;
  const auto created = body_of(r)["data"];
  EXPECT_EQ(created["platformIds"]["spotify"], "sp1");
  EXPECT_TRUE(created["platformIds"]["apple"].is_null());
  for (int i = 0; i < 4; ++i)
    artist(alice_, "Band " + std::to_string(i));
  r = c.Get("/api/artists?limit=2&page=2");
  EXPECT_EQ(body_of(r)["meta"]["total"], 5);
  EXPECT_EQ(body_of(r)["data"].size(), 2u);
  r = c.Get("/api/artists?search=engine");
  EXPECT_EQ(body_of(r)["meta"]["total"], 1);
  r = c.Get("/api/artists?search=100%25");
  EXPECT_EQ(body_of(r)["meta"]["total"], 0); // % is matched literally
  const auto path = "/api/artists/" + std::to_string(created["id"].get<long long>());
  r = c.Patch(path, json{{"name", "Ada"}}.dump(), "application/json");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(body_of(r)["data"]["name"], "Ada");
  EXPECT_EQ(body_of(r)["data"]["platformIds"]["spotify"], "sp1"); // untouched fields stay
  r = c.Patch(path, json{{"isni", "0000 0002 1825 0098"}, {"platformIds", "sp"}}.dump(), "application/json");
  EXPECT_EQ(r->status, 400);
  r = c.Post("/api/artists", json{{"name", ""}}.dump(), "application/json");
  EXPECT_EQ(r->status, 400);
}

TEST_P(catalog_api, releases_get_a_valid_upc_when_none_is_given) {
  const auto a = artist(alice_, "Ada");
  auto r = release(alice_, {{"title", "First"}, {"artistId", a}, {"type", "single"}, {"releaseDate", "2027-03-01"}});
  ASSERT_EQ(r->status, 201) << r->body;
  const auto rel = body_of(r)["data"];
  const auto upc = rel["upc"].get<std::string>();
  EXPECT_TRUE(domain::check_gtin(upc)) << upc;
  EXPECT_TRUE(upc.starts_with(cfg_.catalog.upc_prefix));
  EXPECT_EQ(rel["status"], "draft");
  EXPECT_EQ(rel["territories"], json({"Worldwide"}));
  EXPECT_TRUE(rel["genre"].is_null()); // optional until validation
  r = release(alice_, {{"title", "Second"}, {"artistId", a}, {"type", "ep"}, {"releaseDate", "2027-04-01"}});
  EXPECT_NE(body_of(r)["data"]["upc"], upc);
  // A given UPC is checked and normalised, and unique per account.
  r = release(alice_, {{"title", "Third"}, {"artistId", a}, {"type", "album"}, {"releaseDate", "2027-05-01"},
                       {"upc", "0 36000 29145 2"}});
  ASSERT_EQ(r->status, 201);
  EXPECT_EQ(body_of(r)["data"]["upc"], "036000291452");
  r = release(alice_, {{"title", "Fourth"}, {"artistId", a}, {"type", "album"}, {"releaseDate", "2027-05-01"},
                       {"upc", "036000291452"}});
  EXPECT_EQ(r->status, 409);
}

TEST_P(catalog_api, release_fields_are_validated_together) {
  const auto a = artist(alice_, "Ada");
  auto r = release(alice_, {{"title", ""}, {"artistId", a}, {"type", "lp"}, {"releaseDate", "2027-02-30"},
                            {"upc", "036000291453"}, {"parentalWarning", "explicit"}, {"territories", {"UK"}}});
  ASSERT_EQ(r->status, 400);
  std::set<std::string> fields;
  const auto doc = body_of(r);
  for (const auto& d : doc["error"]["details"])
    fields.insert(d["field"].get<std::string>());
  EXPECT_EQ(fields, (std::set<std::string>{"title", "type", "releaseDate", "upc", "parentalWarning", "territories"}));
  r = release(alice_, {{"title", "x"}, {"type", "single"}});
  EXPECT_EQ(r->status, 400); // artistId and releaseDate missing
}

TEST_P(catalog_api, another_accounts_catalog_does_not_exist) {
  const auto a = artist(alice_, "Ada");
  auto r = release(alice_, {{"title", "Mine"}, {"artistId", a}, {"type", "single"}, {"releaseDate", "2027-03-01"}});
  const auto rel = body_of(r)["data"]["id"].get<long long>();
  auto b = as(bob_);
  for (const auto& path : {"/api/artists/" + std::to_string(a), "/api/releases/" + std::to_string(rel)}) {
    EXPECT_EQ(b.Get(path)->status, 404) << path;
    EXPECT_EQ(b.Patch(path, json{{"title", "stolen"}, {"name", "stolen"}}.dump(), "application/json")->status, 404);
    EXPECT_EQ(b.Delete(path)->status, 404) << path;
  }
  EXPECT_EQ(body_of(b.Get("/api/releases"))["meta"]["total"], 0);
  EXPECT_EQ(body_of(b.Get("/api/artists"))["meta"]["total"], 0);
  // Bob cannot put a release on Alice's artist either.
  r = release(bob_, {{"title", "Hijack"}, {"artistId", a}, {"type", "single"}, {"releaseDate", "2027-03-01"}});
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body_of(r)["error"]["details"][0]["message"], "no such artist");
  EXPECT_EQ(as(alice_).Get("/api/releases/" + std::to_string(rel))->status, 200);
}

TEST_P(catalog_api, lists_filter_by_artist_status_and_search) {
  const auto a = artist(alice_, "Ada");
  const auto b = artist(alice_, "Bea");
  for (int i = 0; i < 3; ++i)
    release(alice_, {{"title", "Ada " + std::to_string(i)}, {"artistId", a}, {"type", "single"}, {"releaseDate", "2027-01-01"}});
  auto r = release(alice_, {{"title", "Bea One"}, {"artistId", b}, {"type", "album"}, {"releaseDate", "2027-01-01"}});
  const auto upc = body_of(r)["data"]["upc"].get<std::string>();
  auto c = as(alice_);
  EXPECT_EQ(body_of(c.Get("/api/releases?artistId=" + std::to_string(a)))["meta"]["total"], 3);
  EXPECT_EQ(body_of(c.Get("/api/releases?search=bea"))["meta"]["total"], 1);
  EXPECT_EQ(body_of(c.Get("/api/releases?search=" + upc))["meta"]["total"], 1);
  EXPECT_EQ(body_of(c.Get("/api/releases?status=draft&limit=2"))["data"].size(), 2u);
  EXPECT_EQ(body_of(c.Get("/api/releases?status=ready"))["meta"]["total"], 0);
  EXPECT_EQ(c.Get("/api/releases?status=published")->status, 400);
  EXPECT_EQ(c.Get("/api/releases?artistId=abc")->status, 400);
}

TEST_P(catalog_api, deletes_respect_what_depends_on_them_and_every_change_is_audited) {
  const auto a = artist(alice_, "Ada");
  auto r = release(alice_, {{"title", "Gone"}, {"artistId", a}, {"type", "single"}, {"releaseDate", "2027-01-01"}});
  const auto rel = body_of(r)["data"]["id"].get<long long>();
  auto c = as(alice_);
  r = c.Delete("/api/artists/" + std::to_string(a));
  EXPECT_EQ(r->status, 409); // it has a release
  c.Patch("/api/releases/" + std::to_string(rel), json{{"genre", "Jazz"}}.dump(), "application/json");
  // A distributed release is taken down, not deleted.
  auto stored = live_->store().catalog().find_release(live_->store().accounts().find_user_by_name("alice")->id, rel);
  stored->status = domain::release_status::distributed;
  live_->store().catalog().update_release(*stored);
  EXPECT_EQ(c.Delete("/api/releases/" + std::to_string(rel))->status, 409);
  stored->status = domain::release_status::draft;
  live_->store().catalog().update_release(*stored);
  EXPECT_EQ(c.Delete("/api/releases/" + std::to_string(rel))->status, 204);
  EXPECT_EQ(c.Delete("/api/artists/" + std::to_string(a))->status, 204);
  const auto audit = live_->store().accounts().list_audit(1, 100);
  std::set<std::string> actions;
  for (const auto& e : audit.items) {
    actions.insert(e.action);
    if (e.action == "release_updated") {
      const auto details = json::parse(e.details);
      EXPECT_TRUE(details["before"]["genre"].is_null());
      EXPECT_EQ(details["after"]["genre"], "Jazz");
      EXPECT_TRUE(e.actor_id.has_value());
    }
  }
  for (const char* action : {"artist_created", "release_created", "release_updated", "release_deleted", "artist_deleted"})
    EXPECT_TRUE(actions.count(action)) << action;
}

TEST_P(catalog_api, scopes_guard_reading_and_writing) {
  auto& accounts = live_->store().accounts();
  const auto carol = accounts.create_user({"carol", "carol@example.com", "Carol", "12345678", domain::role::artist},
                                          {14, 8, 1});
  const auto reader = accounts.create_key(carol->id, "ro", {"catalog:read"}, std::nullopt).secret;
  auto c = as(reader);
  EXPECT_EQ(c.Get("/api/artists")->status, 200);
  auto r = c.Post("/api/artists", json{{"name", "x"}}.dump(), "application/json");
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(body_of(r)["error"]["code"], "INSUFFICIENT_SCOPE");
  EXPECT_EQ(live_->client().Get("/api/releases")->status, 401);
}

TEST_P(catalog_api, tracks_get_isrcs_and_an_isrc_names_one_recording) {
  const auto a = artist(alice_, "Ada");
  auto single = body_of(release(alice_, {{"title", "S"}, {"artistId", a}, {"type", "single"}, {"releaseDate", "2027-01-01"}}));
  auto album = body_of(release(alice_, {{"title", "A"}, {"artistId", a}, {"type", "album"}, {"releaseDate", "2027-06-01"}}));
  const auto single_path = "/api/releases/" + std::to_string(single["data"]["id"].get<long long>()) + "/tracks";
  const auto album_path = "/api/releases/" + std::to_string(album["data"]["id"].get<long long>()) + "/tracks";
  auto c = as(alice_);
  auto r = c.Post(single_path,
                  json{{"title", "Hit"}, {"position", 1}, {"explicit", true},
                       {"contributors", {{{"name", "Ada"}, {"role", "MainArtist"}, {"artistId", a}},
                                         {{"name", "Lin"}, {"role", "Composer"}}}}}
                    .dump(),
                  "application/json");
  ASSERT_EQ(r->status, 201) << r->body;
  const auto hit = body_of(r)["data"];
  const auto isrc = hit["isrc"].get<std::string>();
  EXPECT_TRUE(isrc.starts_with(cfg_.catalog.isrc_registrant)) << isrc;
  EXPECT_TRUE(domain::check_isrc(isrc, 2026)) << isrc;
  EXPECT_EQ(hit["contributors"][0]["artistId"], a);
  EXPECT_TRUE(hit["contributors"][1]["artistId"].is_null());
  EXPECT_TRUE(hit["explicit"].get<bool>());
  // The album carries the same recording: same ISRC (typed with dashes), same recording id.
  r = c.Post(album_path, json{{"title", "Hit (album)"}, {"position", 1}, {"isrc", isrc.substr(0, 2) + "-" + isrc.substr(2)}}.dump(),
             "application/json");
  ASSERT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(body_of(r)["data"]["recordingId"], hit["recordingId"]);
  r = c.Post(album_path, json{{"title", "Second"}, {"position", 2}}.dump(), "application/json");
  const auto second = body_of(r)["data"];
  EXPECT_NE(second["isrc"], isrc);
  EXPECT_NE(second["recordingId"], hit["recordingId"]);
  r = c.Post(album_path, json{{"title", "Clash"}, {"position", 2}}.dump(), "application/json");
  EXPECT_EQ(r->status, 409);
  r = c.Get(album_path);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(body_of(r)["data"].size(), 2u);
  EXPECT_EQ(body_of(r)["data"][0]["position"], 1);
  const auto track_path = "/api/tracks/" + std::to_string(second["id"].get<long long>());
  r = c.Patch(track_path, json{{"position", 1}}.dump(), "application/json");
  EXPECT_EQ(r->status, 409);
  r = c.Patch(track_path, json{{"position", 3}, {"title", "Second (edit)"}}.dump(), "application/json");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(body_of(r)["data"]["title"], "Second (edit)");
  EXPECT_EQ(c.Delete(track_path)->status, 204);
  EXPECT_EQ(c.Get(track_path)->status, 404);
}

TEST_P(catalog_api, track_fields_are_validated_and_scoped) {
  const auto a = artist(alice_, "Ada");
  const auto bob_artist = artist(bob_, "Bob");
  auto rel = body_of(release(alice_, {{"title", "S"}, {"artistId", a}, {"type", "single"}, {"releaseDate", "2027-01-01"}}));
  const auto path = "/api/releases/" + std::to_string(rel["data"]["id"].get<long long>()) + "/tracks";
  auto c = as(alice_);
  auto r = c.Post(path,
                  json{{"title", ""}, {"position", 0}, {"isrc", "XX1234567890"}, {"explicit", "yes"},
                       {"contributors", {{{"name", "X"}, {"role", "Boss"}}, {{"role", "Composer"}},
                                         {{"name", "B"}, {"role", "MainArtist"}, {"artistId", bob_artist}}}}}
                    .dump(),
                  "application/json");
  ASSERT_EQ(r->status, 400);
  std::set<std::string> fields;
  const auto doc = body_of(r);
  for (const auto& d : doc["error"]["details"])
    fields.insert(d["field"].get<std::string>());
  EXPECT_EQ(fields, (std::set<std::string>{"title", "position", "isrc", "explicit", "contributors[0].role",
                                           "contributors[1].name", "contributors[2].artistId"}));
  EXPECT_EQ(as(bob_).Post(path, json{{"title", "x"}, {"position", 1}}.dump(), "application/json")->status, 404);
  EXPECT_EQ(as(bob_).Get(path)->status, 404);
  r = c.Post(path, json{{"title", "ok"}, {"position", 1}}.dump(), "application/json");
  const auto track = "/api/tracks/" + std::to_string(body_of(r)["data"]["id"].get<long long>());
  EXPECT_EQ(as(bob_).Get(track)->status, 404);
  EXPECT_EQ(as(bob_).Patch(track, json{{"title", "mine"}}.dump(), "application/json")->status, 404);
  EXPECT_EQ(as(bob_).Delete(track)->status, 404);
  EXPECT_EQ(c.Get("/api/releases/999999/tracks")->status, 404);
}

INSTANTIATE_TEST_SUITE_P(backends, catalog_api, test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra::http
