// ERN 4.3 messages: every generated message validates against the official DDEX schema (libxml2),
// and carries what the release says: UPC, every ISRC, durations, hashes, files, deals.

#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include "domain/ern.hpp"
#include "tests/support/xsd.hpp"

namespace tmn = tunemantra;
using namespace tmn::domain;

namespace {

ern_message sample(release_type type, int tracks, ern_action action = ern_action::initial) {
  ern_message m;
  m.message_id = "TM-7-3-1";
  m.thread_id = "TM-7-3";
  m.created_at = "2026-12-01T05:00:00Z";
  m.sender = {"PADPIDA2014120301X", "TuneMantra"};
  m.recipient = {"PADPIDA2011072101T", "Example Music Service"};
  m.action = action;
  m.end_date = "2026-12-01";
  m.rel.title = "First Light & <Friends>";
  m.rel.type = type;
  m.rel.upc = "5012345678900";
  m.rel.release_date = "2027-01-15";
  m.rel.label_name = "Moon Records";
  m.rel.genre = "Electronic";
  m.rel.p_line = "2027 Moon Records";
  m.rel.c_line = "2026 Moon Records";
  m.rel.territories = type == release_type::album ? std::vector<std::string>{"DE", "AT", "CH"} : std::vector<std::string>{"Worldwide"};
  m.rel.artwork = image_info{"JPEG", 3000, 3000, "rgb", 8, std::string(64, 'c'), 123456, "artwork/x.jpg"};
  m.artwork_file = "resources/5012345678900_cover.jpg";
  m.artist_name = "Ada Lovelace";
  for (int i = 1; i <= tracks; ++i) {
    ern_track t;
    t.t.position = i;
    t.t.title = "Song " + std::to_string(i);
    t.t.isrc = "GBAYE26000" + std::string(i < 10 ? "0" : "") + std::to_string(i);
    t.t.explicit_content = i == 2;
    t.t.contributors = {{"Ada Lovelace", "MainArtist", std::nullopt}, {"Charles Babbage", "Composer", std::nullopt}};
    audio_info a;
    a.format = i % 2 ? "WAV" : "FLAC";
    a.sample_rate = i % 2 ? 44100 : 96000;
    a.bit_depth = i % 2 ? 16 : 24;
    a.channels = 2;
    a.duration_ms = 180'000 + i * 1250;
    a.sha256 = std::string(63, 'a') + std::to_string(i % 10);
    t.t.audio = a;
    t.file = "resources/5012345678900_01_" + std::to_string(i) + (i % 2 ? ".wav" : ".flac");
    m.tracks.push_back(t);
  }
  return m;
}

std::vector<std::string> texts(const pugi::xml_document& doc, const char* xpath) {
  std::vector<std::string> out;
  for (const auto& n : doc.select_nodes(xpath))
    out.emplace_back(n.node().text().get());
  return out;
}

std::string checked(const ern_message& m) {
  const auto xml = build_ern(m);
  EXPECT_EQ(tmn::test::xsd_errors(tmn::test::ern43_schema_path(), xml), "") << xml.substr(0, 3000);
  return xml;
}

} // namespace

TEST(Ern, SingleEpAndAlbumValidateAgainstTheOfficialSchema) {
  for (auto [type, n] : {std::pair{release_type::single, 1}, std::pair{release_type::ep, 4}, std::pair{release_type::album, 12}}) {
    const auto m = sample(type, n);
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(checked(m).c_str()));
    EXPECT_EQ(texts(doc, "//ReleaseList/Release/ReleaseId/ICPN"), std::vector<std::string>{"5012345678900"});
    std::vector<std::string> isrcs, files, hashes;
    for (const auto& t : m.tracks) {
      isrcs.push_back(t.t.isrc);
      files.push_back(t.file);
      hashes.push_back(t.t.audio->sha256);
    }
    EXPECT_EQ(texts(doc, "//SoundRecording/SoundRecordingEdition/ResourceId/ISRC"), isrcs);
    EXPECT_EQ(texts(doc, "//SoundRecording//File/URI"), files);
    EXPECT_EQ(texts(doc, "//SoundRecording//HashSum/HashSumValue"), hashes);
    EXPECT_EQ(texts(doc, "//Image//File/URI"), std::vector<std::string>{m.artwork_file});
    EXPECT_EQ(texts(doc, "//Image//HashSumValue"), std::vector<std::string>{m.rel.artwork->sha256});
    EXPECT_EQ(texts(doc, "//TrackRelease").size(), static_cast<std::size_t>(n));
    EXPECT_EQ(texts(doc, "//ReleaseDeal/DealReleaseReference").size(), static_cast<std::size_t>(n + 1));
    EXPECT_EQ(texts(doc, "//SoundRecording/Duration")[0], "PT3M1.250S");
    EXPECT_EQ(texts(doc, "//MessageHeader/MessageId"), std::vector<std::string>{"TM-7-3-1"});
    EXPECT_EQ(texts(doc, "//Release/DisplayTitleText"), std::vector<std::string>{"First Light & <Friends>"});
    EXPECT_TRUE(texts(doc, "//ValidityPeriod/EndDate").empty());
    EXPECT_EQ(texts(doc, "//DealTerms/TerritoryCode"), [&] {
      std::vector<std::string> all;
      for (std::size_t d = 0; d < default_deals().size(); ++d)
        all.insert(all.end(), m.rel.territories.begin(), m.rel.territories.end());
      return all;
    }());
  }
}

TEST(Ern, UpdateAndTakedownValidateAndTheTakedownEndsEveryDeal) {
  auto update = sample(release_type::ep, 3, ern_action::update);
  update.rel.title = "First Light (Deluxe)";
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(checked(update).c_str()));
  EXPECT_EQ(texts(doc, "//Release/DisplayTitleText"), std::vector<std::string>{"First Light (Deluxe)"});
  EXPECT_TRUE(texts(doc, "//ValidityPeriod/EndDate").empty());

  const auto takedown = sample(release_type::ep, 3, ern_action::takedown);
  ASSERT_TRUE(doc.load_string(checked(takedown).c_str()));
  const auto ends = texts(doc, "//Deal/DealTerms/ValidityPeriod/EndDate");
  EXPECT_EQ(ends.size(), default_deals().size());
  for (const auto& e : ends)
    EXPECT_EQ(e, "2026-12-01");
}

TEST(Ern, ConfiguredDealsAndAReleaseWithoutOptionalLines) {
  auto m = sample(release_type::single, 1);
  m.deals = {{{"SubscriptionModel"}, {"OnDemandStream"}}};
  m.rel.c_line.clear();
  m.rel.original_release_date = "1994-05-02";
  m.test_message = true;
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(checked(m).c_str()));
  EXPECT_EQ(texts(doc, "//CommercialModelType"), std::vector<std::string>{"SubscriptionModel"});
  EXPECT_EQ(texts(doc, "//MessageControlType"), std::vector<std::string>{"TestMessage"});
  EXPECT_EQ(texts(doc, "//Release/OriginalReleaseDate"), std::vector<std::string>{"1994-05-02"});
  EXPECT_TRUE(texts(doc, "//Release/CLine").empty());
}

TEST(Ern, TheOfficialSamplesValidateWithTheSameValidator) {
  // Guards the validator itself: it must accept DDEX's own samples and refuse a broken message.
  for (const char* name : {"sample-audio-album.xml", "sample-simple-audio-single.xml"}) {
    std::ifstream in(std::string(TM_SOURCE_DIR) + "/../shared/ddex/ern43/" + name);
    const std::string xml{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    EXPECT_EQ(tmn::test::xsd_errors(tmn::test::ern43_schema_path(), xml), "") << name;
  }
  auto xml = build_ern(sample(release_type::single, 1));
  const std::string good = "<ISRC>GBAYE2600001</ISRC>";
  ASSERT_NE(xml.find(good), std::string::npos);
  xml.replace(xml.find(good), good.size(), "<ISRCX>GBAYE2600001</ISRCX>"); // well-formed, not valid
  EXPECT_NE(tmn::test::xsd_errors(tmn::test::ern43_schema_path(), xml), "");
}

TEST(Ern, IsoDurations) {
  EXPECT_EQ(iso_duration(185'250), "PT3M5.250S");
  EXPECT_EQ(iso_duration(60'000), "PT1M0S");
  EXPECT_EQ(iso_duration(999), "PT0M0.999S");
  EXPECT_EQ(iso_duration(3'725'000), "PT62M5S");
}
