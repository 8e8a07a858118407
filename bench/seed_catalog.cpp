// seed_catalog: fills a database with a label account ("label", password "correct horse battery")
// and N releases ready to distribute, with one real audio file and cover in a media folder. For
// demos and manual runs of tmctl against a daemon with a catalog; prints the release ids.
//
//   seed_catalog --url sqlite:///tmp/tm.db --media /tmp/media [--releases N]

#include <filesystem>
#include <iostream>

#include "domain/crypto.hpp"
#include "persistence/store.hpp"
#include "tests/support/delivery_seed.hpp"
#include "tests/support/media_fixtures.hpp"

namespace tmn = tunemantra;

int main(int argc, char** argv) {
  std::string url, media_dir;
  int releases = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i], value = argv[i + 1];
    if (name == "--url")
      url = value;
    else if (name == "--media")
      media_dir = value;
    else if (name == "--releases")
      releases = std::stoi(value);
  }
  if (url.empty() || media_dir.empty() || releases < 1) {
    std::cerr << "usage: seed_catalog --url <database url> --media <folder> [--releases N]\n";
    return 2;
  }
  const std::filesystem::path media{media_dir};
  std::filesystem::create_directories(media / "audio");
  std::filesystem::create_directories(media / "artwork");
  tmn::test::tone t;
  t.seconds = 31;
  const auto wav = tmn::test::write_tone(media / "tone.wav", t);
  const auto wav_sha = tmn::domain::crypto::sha256_hex(wav);
  tmn::test::write_bytes(media / "audio" / (wav_sha + ".wav"), wav);
  std::filesystem::remove(media / "tone.wav");
  const auto jpeg = tmn::test::make_jpeg(3000, 3000);
  const auto jpeg_sha = tmn::domain::crypto::sha256_hex(jpeg);
  tmn::test::write_bytes(media / "artwork" / (jpeg_sha + ".jpg"), jpeg);

  tmn::config::database_config dbc;
  dbc.url = url;
  auto store = tmn::persistence::open_store(dbc);
  store->migrate();
  const auto account = tmn::test::seed_account(*store);
  const tmn::test::seeded_media files{wav_sha, jpeg_sha, static_cast<std::int64_t>(jpeg.size())};
  for (int r = 1; r <= releases; ++r)
    std::cout << tmn::test::seed_ready_release(*store, account, "Release " + std::to_string(r), files) << '\n';
  return 0;
}
