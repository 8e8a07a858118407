#include <nlohmann/json.hpp>

#include "tests/support/delivery_seed.hpp"

#include "domain/crypto.hpp"
#include "tests/support/media_fixtures.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra::test {

seeded_media write_real_media(const std::filesystem::path& media_dir) {
  std::filesystem::create_directories(media_dir / "audio");
  std::filesystem::create_directories(media_dir / "artwork");
  tone t;
  t.seconds = 31;
  const auto wav = write_tone(media_dir / "tone.wav", t);
  std::filesystem::remove(media_dir / "tone.wav");
  seeded_media m;
  m.audio_sha256 = domain::crypto::sha256_hex(wav);
  write_bytes(media_dir / "audio" / (m.audio_sha256 + ".wav"), wav);
  const auto jpeg = make_jpeg(3000, 3000);
  m.artwork_sha256 = domain::crypto::sha256_hex(jpeg);
  m.artwork_bytes = static_cast<std::int64_t>(jpeg.size());
  write_bytes(media_dir / "artwork" / (m.artwork_sha256 + ".jpg"), jpeg);
  return m;
}

seeded_account seed_account(persistence::store& store) {
  domain::new_user nu{"label", "label@example.com", "Label", "correct horse battery", domain::role::label};
  const auto user = store.accounts().create_user(nu, {14, 8, 1});
  domain::artist a;
  a.account_id = user->id;
  a.name = "Ada";
  return {user->id, store.catalog().create_artist(a).id};
}

domain::platform http_platform(const std::string& code, const std::string& url) {
  domain::platform p;
  p.code = code;
  p.name = "Platform " + code;
  p.connector = domain::connector_from_stored(nlohmann::json{{"type", "http"}, {"url", url}, {"timeoutMs", 5000}}.dump());
  return p;
}

std::int64_t seed_ready_release(persistence::store& store, const seeded_account& account, const std::string& title,
                                const seeded_media& media) {
  domain::release rel;
  rel.account_id = account.user_id;
  rel.artist_id = account.artist_id;
  rel.title = title;
  rel.release_date = "2099-01-01";
  rel.genre = "Pop";
  rel.label_name = "Label";
  rel.p_line = rel.c_line = "2099 Label";
  const auto created = store.catalog().create_release(rel, "2000000");
  store.catalog().set_release_artwork(account.user_id, created->id,
                                      {"JPEG", 3000, 3000, "rgb", 8, media.artwork_sha256, media.artwork_bytes,
                                       "artwork/" + media.artwork_sha256 + ".jpg"});
  domain::track t;
  t.account_id = account.user_id;
  t.release_id = created->id;
  t.title = "Song";
  t.position = 1;
  store.catalog().create_track(t, "ZZTMA", 2026);
  domain::audio_info audio;
  audio.format = "WAV";
  audio.sample_rate = 44100;
  audio.bit_depth = 16;
  audio.channels = 2;
  audio.duration_ms = 180'000;
  audio.sha256 = media.audio_sha256;
  audio.file = "audio/" + media.audio_sha256 + ".wav";
  store.catalog().set_recording_audio(account.user_id, t.recording_id, audio);
  return created->id;
}

std::vector<std::int64_t> seed_distributions(persistence::store& store, const seeded_account& account,
                                             const std::vector<std::int64_t>& releases,
                                             const std::vector<std::int64_t>& platforms) {
  std::vector<std::int64_t> jobs;
  for (const auto release : releases) {
    domain::new_job job;
    job.account_id = account.user_id;
    job.kind = "distribution";
    jobs.push_back(store.delivery().create_deliveries(job, account.user_id, release, platforms, domain::ern_action::initial).id);
  }
  return jobs;
}

} // namespace tunemantra::test
