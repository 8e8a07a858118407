// Uploads, splits and release validation over real HTTP, on SQLite and PostgreSQL, with audio and
// images made by the test: measured properties, content-hash storage, refusals of corrupt,
// truncated, mislabelled, oversized and aborted uploads (no file, no row), splits on the
// recording, and a validation report for a release with several problems.

#include <csignal>
#include <set>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "domain/crypto.hpp"
#include "tests/http/live_server.hpp"
#include "tests/support/media_fixtures.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra::http {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

/// A response that is never null: a transport failure becomes a test failure and status 0.
struct answer {
  httplib::Response res;
  answer(httplib::Result&& r, const std::string& what = "request") {
    if (r) {
      res = *r;
    } else {
      ADD_FAILURE() << what << " failed: " << httplib::to_string(r.error());
      res.body = "null";
    }
  }
  const httplib::Response* operator->() const { return &res; }
};

json body_of(const httplib::Result& r) { return json::parse(r->body); }
json body_of(const answer& r) { return json::parse(r->body); }

std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir))
    ++n;
  return n;
}

class media_api : public ::testing::TestWithParam<persistence::backend_kind> {
protected:
  void SetUp() override {
    std::signal(SIGPIPE, SIG_IGN); // a refused upload may close the socket while the client still writes
    cfg_.database = test::database_config_for(db_.url());
    cfg_.http.port = 0;
    cfg_.http.threads = 8;
    cfg_.media.max_audio_bytes = 8 << 20;
    cfg_.media.max_artwork_bytes = 4 << 20;
    live_ = std::make_unique<live_server>(cfg_);
    alice_ = live_->key_for("alice", domain::role::artist);
    bob_ = live_->key_for("bob", domain::role::label);
    media_ = live_->media_dir();
  }
  httplib::Client as(const std::string& key) {
    auto c = live_->client(key);
    c.set_read_timeout(30s);
    c.set_write_timeout(30s);
    return c;
  }
  std::int64_t post_id(const std::string& key, const std::string& path, const json& body) {
    auto r = as(key).Post(path, body.dump(), "application/json");
    EXPECT_EQ(r->status, 201) << path << " " << r->body;
    return body_of(r)["data"]["id"].get<std::int64_t>();
  }
  /// A release with every piece of metadata set, and its first track.
  std::pair<std::int64_t, std::int64_t> release_with_track(const std::string& key, const std::string& isrc = "") {
    const auto artist = post_id(key, "/api/artists", {{"name", "Ada"}});
    const auto release = post_id(key, "/api/releases",
                                 {{"title", "First Light"}, {"artistId", artist}, {"type", "single"},
                                  {"releaseDate", "2099-03-01"}, {"genre", "Electronic"}, {"labelName", "Moon"},
                                  {"pLine", "2099 Moon"}, {"cLine", "2099 Moon"}});
    json track = {{"title", "Dawn"}, {"position", 1}};
    if (!isrc.empty())
      track["isrc"] = isrc;
    return {release, post_id(key, "/api/releases/" + std::to_string(release) + "/tracks", track)};
  }
  /// The answer to a PUT of `bytes`; a transport failure is a test failure with its reason.
  answer put(const std::string& key, const std::string& path, const std::string& bytes, const std::string& type) {
    return answer(as(key).Put(path, bytes, type.c_str()), "PUT " + path);
  }
  /// Declares a body of `length` bytes and sends none: the answer must come before the body.
  std::string declare_only(const std::string& path, std::size_t length, const std::string& type) {
    return test::raw_http(live_->srv().port(),
                          "PUT " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + alice_ + "\r\nContent-Type: "
                            + type + "\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n",
                          5000ms);
  }
  std::string tone_bytes(const test::tone& t) { return test::write_tone(scratch_.path() / ("t." + t.format), t); }

  test::scratch_database db_{GetParam()};
  test::temp_dir scratch_;
  config::config cfg_;
  std::unique_ptr<live_server> live_;
  std::string alice_, bob_;
  fs::path media_;
};

TEST_P(media_api, audio_is_measured_stored_under_its_hash_and_shared_by_the_recording) {
  const auto [release, track] = release_with_track(alice_, "GBAYE2600001");
  const auto wav = tone_bytes({});
  auto r = put(alice_, "/api/tracks/" + std::to_string(track) + "/audio", wav, "audio/wav");
  ASSERT_EQ(r->status, 200) << r->body;
  const auto audio = body_of(r)["data"]["audio"];
  EXPECT_EQ(audio["format"], "WAV");
  EXPECT_EQ(audio["sampleRate"], 44100);
  EXPECT_EQ(audio["bitDepth"], 16);
  EXPECT_EQ(audio["channels"], 2);
  EXPECT_EQ(audio["durationMs"], 31000);
  EXPECT_NEAR(audio["loudnessLufs"].get<double>(), -23.0, 0.1);
  EXPECT_FALSE(audio["clipping"].get<bool>());
  EXPECT_EQ(audio["sha256"], domain::crypto::sha256_hex(wav));
  EXPECT_EQ(audio["bytes"], wav.size());
  const auto stored = media_ / audio["file"].get<std::string>();
  EXPECT_EQ(stored.filename().string(), domain::crypto::sha256_hex(wav) + ".wav");
  EXPECT_EQ(test::read_bytes(stored), wav);
  EXPECT_EQ(files_in(media_ / "tmp"), 0u);

  // The same ISRC on an album is the same recording: it has the audio already.
  const auto album = post_id(alice_, "/api/releases",
                             {{"title", "Album"}, {"artistId", body_of(as(alice_).Get("/api/releases/" + std::to_string(release)))["data"]["artistId"]},
                              {"type", "album"}, {"releaseDate", "2099-06-01"}});
  const auto again = post_id(alice_, "/api/releases/" + std::to_string(album) + "/tracks",
                             {{"title", "Dawn"}, {"position", 1}, {"isrc", "GBAYE2600001"}});
  r = as(alice_).Get("/api/tracks/" + std::to_string(again));
  EXPECT_EQ(body_of(r)["data"]["audio"]["sha256"], audio["sha256"]);

  // FLAC sent as application/octet-stream: the bytes decide; the new file replaces the old.
  test::tone flac;
  flac.format = "flac";
  flac.bit_depth = 24;
  flac.sample_rate = 48000;
  flac.seconds = 40;
  flac.amplitude_dbfs = -14;
  flac.lead_silence_s = 11;
  r = put(alice_, "/api/tracks/" + std::to_string(track) + "/audio", tone_bytes(flac), "application/octet-stream");
  ASSERT_EQ(r->status, 200) << r->body;
  const auto replaced = body_of(r)["data"]["audio"];
  EXPECT_EQ(replaced["format"], "FLAC");
  EXPECT_EQ(replaced["bitDepth"], 24);
  EXPECT_EQ(replaced["durationMs"], 51000); // measured, silence included
  EXPECT_NEAR(replaced["leadingSilenceMs"].get<double>(), 11000, 2);
  EXPECT_NEAR(replaced["loudnessLufs"].get<double>(), -14.0, 0.1);

  const auto entries = live_->store().accounts().list_audit(1, 100);
  bool audited = false;
  for (const auto& e : entries.items)
    if (e.action == "track_audio_uploaded" && json::parse(e.details)["before"]["format"] == "WAV")
      audited = json::parse(e.details)["after"]["format"] == "FLAC";
  EXPECT_TRUE(audited);
}

TEST_P(media_api, bad_audio_uploads_are_refused_and_leave_no_file_and_no_row) {
  const auto [release, track] = release_with_track(alice_);
  const auto path = "/api/tracks/" + std::to_string(track) + "/audio";
  test::tone t;
  t.seconds = 3;
  const auto wav = tone_bytes(t);
  auto code = [](const answer& r) { return body_of(r)["error"]["code"].get<std::string>(); };

  auto r = put(alice_, path, wav, "audio/flac"); // mislabelled
  EXPECT_EQ(r->status, 415);
  EXPECT_EQ(code(r), "UNSUPPORTED_MEDIA_TYPE");
  r = put(alice_, path, test::make_png(8, 8), "application/octet-stream"); // not audio at all
  EXPECT_EQ(r->status, 415);
  r = put(alice_, path, wav, "image/png");
  EXPECT_EQ(r->status, 415);
  r = put(alice_, path, wav.substr(0, wav.size() / 2), "audio/wav"); // truncated
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(code(r), "VALIDATION_ERROR");
  auto garbled = wav;
  for (std::size_t i = 12; i < 200; ++i)
    garbled[i] = 'x';
  r = put(alice_, path, garbled, "audio/wav"); // corrupt header
  EXPECT_EQ(r->status, 400) << r->body;
  r = put(alice_, path, "", "audio/wav");
  EXPECT_EQ(r->status, 400);
  const auto refused = declare_only(path, 9 << 20, "audio/wav"); // declared length over the limit
  EXPECT_NE(refused.find("HTTP/1.1 413"), std::string::npos) << refused;
  EXPECT_NE(refused.find("PAYLOAD_TOO_LARGE"), std::string::npos) << refused;
  // Chunked: no length up front, the limit is counted while streaming.
  std::size_t sent = 0;
  auto chunked = as(alice_).Put(path,
                     [&](std::size_t, httplib::DataSink& sink) {
                       const std::string piece(1 << 20, 'b');
                       if (sent >= (10u << 20)) {
                         sink.done();
                         return true;
                       }
                       sent += piece.size();
                       return sink.write(piece.data(), piece.size());
                     },
                     "audio/wav");
  if (chunked) { // the server may close before the client finishes sending
    EXPECT_EQ(chunked->status, 413);
  }

  EXPECT_EQ(put(bob_, path, wav, "audio/wav")->status, 404); // another account's track
  EXPECT_EQ(put(alice_, "/api/tracks/999999/audio", wav, "audio/wav")->status, 404);
  EXPECT_EQ(as("").Put(path, wav, "audio/wav")->status, 401);

  EXPECT_TRUE(body_of(as(alice_).Get("/api/tracks/" + std::to_string(track)))["data"]["audio"].is_null());
  EXPECT_EQ(files_in(media_ / "audio"), 0u);
  EXPECT_EQ(files_in(media_ / "tmp"), 0u);
}

TEST_P(media_api, an_upload_cut_off_midway_leaves_nothing) {
  const auto [release, track] = release_with_track(alice_);
  const auto wav = tone_bytes({});
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(live_->srv().port()));
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string head = "PUT /api/tracks/" + std::to_string(track) + "/audio HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                           + alice_ + "\r\nContent-Type: audio/wav\r\nContent-Length: " + std::to_string(wav.size()) + "\r\n\r\n";
  const auto part = head + wav.substr(0, wav.size() / 3);
  ASSERT_EQ(::send(fd, part.data(), part.size(), MSG_NOSIGNAL), static_cast<ssize_t>(part.size()));
  // Wait until the server has the temp file open, then vanish.
  for (int i = 0; i < 200 && files_in(media_ / "tmp") == 0; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(files_in(media_ / "tmp"), 1u);
  ::close(fd);
  for (int i = 0; i < 500 && files_in(media_ / "tmp") != 0; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(files_in(media_ / "tmp"), 0u);
  EXPECT_EQ(files_in(media_ / "audio"), 0u);
  EXPECT_TRUE(body_of(as(alice_).Get("/api/tracks/" + std::to_string(track)))["data"]["audio"].is_null());
}

TEST_P(media_api, artwork_is_probed_and_bad_images_are_refused) {
  const auto [release, track] = release_with_track(alice_);
  const auto path = "/api/releases/" + std::to_string(release) + "/artwork";
  const auto png = test::make_png(3000, 3000);
  auto r = put(alice_, path, png, "image/png");
  ASSERT_EQ(r->status, 200) << r->body;
  auto art = body_of(r)["data"]["artwork"];
  EXPECT_EQ(art["format"], "PNG");
  EXPECT_EQ(art["width"], 3000);
  EXPECT_EQ(art["height"], 3000);
  EXPECT_EQ(art["colourMode"], "rgb");
  EXPECT_EQ(art["sha256"], domain::crypto::sha256_hex(png));
  EXPECT_EQ(test::read_bytes(media_ / art["file"].get<std::string>()), png);

  r = put(alice_, path, test::make_jpeg(1600, 1400, 4), "image/jpeg");
  ASSERT_EQ(r->status, 200) << r->body;
  art = body_of(as(alice_).Get("/api/releases/" + std::to_string(release)))["data"]["artwork"];
  EXPECT_EQ(art["format"], "JPEG");
  EXPECT_EQ(art["colourMode"], "cmyk");
  EXPECT_EQ(art["width"], 1600);

  const auto jpeg = test::make_jpeg(800, 800);
  EXPECT_EQ(put(alice_, path, jpeg.substr(0, jpeg.size() / 2), "image/jpeg")->status, 400);
  // Well formed on the outside, damaged inside: decoded to the last pixel, so refused.
  r = put(alice_, path, jpeg.substr(0, jpeg.size() / 3) + "\xff\xd9", "image/jpeg");
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_NE(r->body.find("JPEG does not decode"), std::string::npos) << r->body;
  r = put(alice_, path, test::make_png(640, 480, 2, 100), "image/png");
  EXPECT_EQ(r->status, 400) << r->body;
  r = put(alice_, path, test::make_png(100'000, 100'000, 2, 1), "image/png"); // 1 KB claiming 10^10 pixels
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_NE(r->body.find("more than the 100000000 allowed"), std::string::npos) << r->body;
  EXPECT_EQ(put(alice_, path, jpeg, "image/png")->status, 415);
  test::tone short_tone;
  short_tone.seconds = 2;
  EXPECT_EQ(put(alice_, path, tone_bytes(short_tone), "application/octet-stream")->status, 415);
  EXPECT_NE(declare_only(path, 5 << 20, "image/png").find("HTTP/1.1 413"), std::string::npos);
  EXPECT_EQ(put(bob_, path, jpeg, "image/jpeg")->status, 404);
  EXPECT_EQ(files_in(media_ / "artwork"), 2u);
  EXPECT_EQ(files_in(media_ / "tmp"), 0u);
}

TEST_P(media_api, splits_attach_to_the_recording_and_must_add_up) {
  const auto [release, track] = release_with_track(alice_, "GBAYE2600007");
  const auto path = "/api/tracks/" + std::to_string(track) + "/splits";
  const auto bob_id = live_->store().accounts().find_user_by_name("bob")->id;
  auto c = as(alice_);
  auto r = c.Put(path, json::array({{{"payeeUserId", bob_id}, {"shareBps", 2500}}, {{"payeeName", "Session Drummer"}, {"shareBps", 7500}}}).dump(),
                 "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(body_of(r)["data"]["isrc"], "GBAYE2600007");
  EXPECT_EQ(body_of(r)["data"]["splits"][1]["payeeName"], "Session Drummer");

  const auto bad = [&](const std::string& body) {
    auto answer = c.Put(path, body, "application/json");
    EXPECT_EQ(answer->status, 400) << body;
    return body_of(answer)["error"];
  };
  EXPECT_EQ(bad(R"([{"payeeName":"A","shareBps":5000},{"payeeName":"B","shareBps":4000}])")["code"], "VALIDATION_ERROR");
  EXPECT_EQ(bad(R"([{"payeeUserId":999999,"shareBps":10000}])")["details"][0]["field"], "[0].payeeUserId");
  EXPECT_EQ(bad(R"([{"payeeName":"A","shareBps":"10000"}])")["details"][0]["field"], "[0].shareBps");
  EXPECT_EQ(bad(R"({"payeeName":"A","shareBps":10000})")["details"][0]["field"], "");
  EXPECT_EQ(bad(R"([{"payeeName":"A","payeeUserId":1,"shareBps":10000}])")["code"], "VALIDATION_ERROR");
  EXPECT_EQ(bad("[{")["code"], "MALFORMED_JSON");
  EXPECT_EQ(c.Put(path, "[]", "text/plain")->status, 415);
  EXPECT_EQ(as(bob_).Put(path, R"([{"payeeName":"A","shareBps":10000}])", "application/json")->status, 404);

  // The album track with the same ISRC shares the splits; the failed attempts changed nothing.
  const auto artist = body_of(c.Get("/api/releases/" + std::to_string(release)))["data"]["artistId"];
  const auto album = post_id(alice_, "/api/releases", {{"title", "Album"}, {"artistId", artist}, {"type", "album"}, {"releaseDate", "2099-06-01"}});
  const auto twin = post_id(alice_, "/api/releases/" + std::to_string(album) + "/tracks",
                            {{"title", "Dawn"}, {"position", 1}, {"isrc", "GBAYE2600007"}});
  r = c.Get("/api/tracks/" + std::to_string(twin) + "/splits");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(body_of(r)["data"]["splits"].size(), 2u);
  EXPECT_EQ(body_of(r)["data"]["splits"][0]["payeeUserId"], bob_id);
  EXPECT_EQ(body_of(r)["data"]["splits"][0]["shareBps"], 2500);

  bool audited = false;
  for (const auto& e : live_->store().accounts().list_audit(1, 100).items)
    audited = audited || (e.action == "splits_updated" && json::parse(e.details)["after"].size() == 2);
  EXPECT_TRUE(audited);
}

TEST_P(media_api, validation_reports_every_problem_of_a_release_then_none_once_fixed) {
  auto c = as(alice_);
  const auto artist = post_id(alice_, "/api/artists", {{"name", "Ada"}});
  const auto release = post_id(alice_, "/api/releases",
                               {{"title", "Rough Cut"}, {"artistId", artist}, {"type", "ep"}, {"releaseDate", "2020-01-10"},
                                {"labelName", "Moon"}, {"pLine", "2020 Moon"}});
  const auto rel = std::to_string(release);
  const auto t1 = post_id(alice_, "/api/releases/" + rel + "/tracks", {{"title", "One"}, {"position", 1}, {"explicit", true}});
  const auto t2 = post_id(alice_, "/api/releases/" + rel + "/tracks", {{"title", "Two"}, {"position", 3}});
  ASSERT_EQ(put(alice_, "/api/releases/" + rel + "/artwork", test::make_png(1000, 1000, 0), "image/png")->status, 200);
  test::tone mono;
  mono.channels = 1;
  mono.sample_rate = 22050;
  mono.seconds = 12;
  mono.amplitude_dbfs = 0;
  mono.clip = true;
  ASSERT_EQ(put(alice_, "/api/tracks/" + std::to_string(t1) + "/audio", tone_bytes(mono), "audio/wav")->status, 200);
  ASSERT_EQ(c.Put("/api/tracks/" + std::to_string(t1) + "/splits", R"([{"payeeName":"Ada","shareBps":10000}])", "application/json")->status, 200);

  auto r = c.Post("/api/releases/" + rel + "/validate", "", "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  const auto report = body_of(r)["data"];
  std::cout << "validation report: " << report.dump(2) << "\n";
  EXPECT_FALSE(report["ready"].get<bool>());
  std::multiset<std::string> codes;
  for (const auto& issue : report["issues"])
    codes.insert(issue["code"].get<std::string>() + (issue["severity"] == "warning" ? "?" : ""));
  const std::multiset<std::string> expected = {
    "GENRE_MISSING", "C_LINE_MISSING", "RELEASE_DATE_IN_PAST", "ARTWORK_TOO_SMALL", "ARTWORK_NOT_RGB",
    "AUDIO_SAMPLE_RATE_TOO_LOW", "AUDIO_NOT_STEREO", "TRACK_TOO_SHORT", "AUDIO_MISSING",
    "TRACK_POSITIONS_NOT_SEQUENTIAL", "AUDIO_CLIPPING?", "SPLITS_MISSING?", "PARENTAL_WARNING_MISMATCH?"};
  EXPECT_EQ(codes, expected);
  EXPECT_EQ(report["issues"][0]["severity"], "error");
  EXPECT_EQ(report["issues"].back()["severity"], "warning");

  // Fix everything through the API and validate again.
  ASSERT_EQ(c.Patch("/api/releases/" + rel,
                    json{{"genre", "Jazz"}, {"cLine", "2020 Moon"}, {"originalReleaseDate", "2019-05-01"}, {"parentalWarning", "Explicit"}}.dump(),
                    "application/json")->status, 200);
  ASSERT_EQ(c.Patch("/api/tracks/" + std::to_string(t2), json{{"position", 2}}.dump(), "application/json")->status, 200);
  ASSERT_EQ(put(alice_, "/api/releases/" + rel + "/artwork", test::make_jpeg(3000, 3000), "image/jpeg")->status, 200);
  for (auto t : {t1, t2}) {
    ASSERT_EQ(put(alice_, "/api/tracks/" + std::to_string(t) + "/audio", tone_bytes({}), "audio/wav")->status, 200);
    ASSERT_EQ(c.Put("/api/tracks/" + std::to_string(t) + "/splits", R"([{"payeeName":"Ada","shareBps":10000}])", "application/json")->status, 200);
  }
  r = c.Post("/api/releases/" + rel + "/validate", "", "application/json");
  const auto fixed = body_of(r)["data"];
  EXPECT_TRUE(fixed["ready"].get<bool>()) << fixed.dump();
  ASSERT_EQ(fixed["issues"].size(), 1u) << fixed.dump(); // back catalogue: a warning only
  EXPECT_EQ(fixed["issues"][0]["code"], "RELEASE_DATE_IN_PAST");
  EXPECT_EQ(fixed["issues"][0]["severity"], "warning");

  EXPECT_EQ(as(bob_).Post("/api/releases/" + rel + "/validate", "", "application/json")->status, 404);
}

INSTANTIATE_TEST_SUITE_P(backends, media_api, test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra::http
