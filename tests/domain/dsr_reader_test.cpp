// The layout-driven DSR reader (domain/dsr_parser.cpp) on files written from DDEX's XSD layouts,
// one per supported profile version; every file is also checked by DDEX's own checker.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <tuple>

#include <gtest/gtest.h>

#include "domain/dsr_profile.hpp"
#include "domain/sales_report.hpp"
#include "tests/support/dsr_writer.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra::domain::sales {
namespace {

using test::dsr_writer;

struct read_result {
  std::vector<usage> rows;
  std::vector<problem> problems;
  dsr_header header;
  summary_map summaries;
};

read_result read(const std::string& text) {
  read_result out;
  dsr_parser parser([&](const usage& u) { out.rows.push_back(u); });
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    parser.line(std::string_view(text).substr(start, end - start));
    start = end == std::string::npos ? text.size() : end + 1;
  }
  parser.finish();
  out.problems = parser.problems();
  out.header = parser.header();
  out.summaries = parser.summaries();
  return out;
}

std::string describe(const std::vector<problem>& problems) {
  std::string out;
  for (const auto& p : problems)
    out += "line " + std::to_string(p.line) + ": " + p.message + "\n";
  return out;
}

/// Writes `text` under a DDEX file name and runs DDEX's checker on it.
void expect_conformant(const std::string& text, const std::string& sender, const std::string& territory) {
  static test::temp_dir dir;
  const char* keep = std::getenv("TM_DSR_KEEP"); // a folder to leave the files in, for a look
  const auto path = (keep ? std::filesystem::path(keep) : dir.path()) /
                    dsr_writer::file_name("TuneMantra", sender, "Premium", "2026-01", territory);
  std::ofstream(path, std::ios::binary) << text;
  const auto check = test::dsr_check(path);
  EXPECT_TRUE(check.passed) << "dsr-check refused " << path << ":\n" << check.output << "\n" << text;
}

/// A Basic Audio Profile 1.2 report: a download summary in EUR, a stream summary in USD, a
/// subscription summary; an album block (RE01, a resource with its work, a resource with the work
/// inline, a sub-release) and a single block.
std::string bap_1_2() {
  dsr_writer w("BasicAudioProfile", "1.2");
  w.head("MSG-BAP12", "StreamCo", "2026-01-01", "2026-01-31");
  w.comment("RecordType\tSummaryRecordId\t...");
  w.record("SY01.01", {{"SummaryRecordId", "S1"},
                       {"CommercialModel", "PayAsYouGoModel"},
                       {"UseType", "PermanentDownload"},
                       {"Territory", "DE"},
                       {"ServiceDescription", "Premium"},
                       {"Usages", "3"},
                       {"CurrencyOfReporting", "EUR"},
                       {"NetRevenue", "2.970000"}});
  w.record("SY02.02", {{"SummaryRecordId", "S2"},
                       {"CommercialModel", "AdvertisementSupportedModel"},
                       {"UseType", "OnDemandStream"},
                       {"Territory", "US"},
                       {"ServiceDescription", "Free"},
                       {"Usages", "1000"},
                       {"Users", "50"},
                       {"CurrencyOfReporting", "USD"},
                       {"NetRevenue", "1.00"},
                       {"ContentCategory", "Music"}});
  w.record("SY04.01", {{"SummaryRecordId", "S3"},
                       {"CommercialModel", "SubscriptionModel"},
                       {"UseType", "OnDemandStream"},
                       {"Territory", "GB"},
                       {"ServiceDescription", "Premium"},
                       {"SubscriberType", "Family"},
                       {"Subscribers", "10"},
                       {"UsagesInReportingPeriod", "7"},
                       {"CurrencyOfReporting", "GBP"},
                       {"ConsumerPaidUnitPrice", "9.99"},
                       {"NetRevenue", "0.70"},
                       {"MusicUsagePercentage", "100"}});
  w.record("RE01", {{"BlockId", "1"},
                    {"ReleaseReference", "R1"},
                    {"DspReleaseId", "dsp-r1"},
                    {"ICPN", "5012345678900"},
                    {"DisplayArtistName", "The Band"},
                    {"Title", "The Album"}});
  w.record("AS01.01", {{"BlockId", "1"},
                       {"ResourceReference", "A1"},
                       {"DspResourceId", "dsp-a1"},
                       {"ISRC", "GBAYE2600001"},
                       {"Title", "One"},
                       {"DisplayArtistName", "The Band"},
                       {"Duration", "PT3M25S"},
                       {"ResourceType", "SoundRecording"},
                       {"IsMasterRecording", "true"}});
  w.record("MW01.01", {{"BlockId", "1"}, {"DspWorkId", "w1"}, {"ISWC", "T0345246801"}, {"Title", "One (the song)"}});
  w.record("AS02.02", {{"BlockId", "1"},
                       {"ResourceReference", "A2"},
                       {"DspResourceId", "dsp-a2"},
                       {"ISRC", "GBAYE2600002"},
                       {"Title", "Two"},
                       {"DisplayArtistName", "The Band"},
                       {"ResourceType", "SoundRecording"},
                       {"ISWC", "T0345246812"}});
  w.record("RE02",
           {{"BlockId", "1"}, {"ReleaseReference", "R1a"}, {"DspSubReleaseId", "sub-1"}, {"UsedResources", "A1|A2"}});
  w.record("SU01", {{"BlockId", "1"},
                    {"SummaryRecordId", "S1"},
                    {"SalesTransactionId", "t1"},
                    {"TransactedRelease", "R1"},
                    {"IsRoyaltyBearing", "true"},
                    {"SalesUpgrade", "false"},
                    {"Usages", "2"},
                    {"Returns", "0"}});
  w.record("SU01", {{"BlockId", "1"},
                    {"SummaryRecordId", "S1"},
                    {"SalesTransactionId", "t2"},
                    {"TransactedResource", "A2"},
                    {"IsRoyaltyBearing", "true"},
                    {"SalesUpgrade", "false"},
                    {"Usages", "1"},
                    {"Returns", "0"}});
  w.record("SU02", {{"BlockId", "1"},
                    {"SummaryRecordId", "S2"},
                    {"SalesTransactionId", "t3"},
                    {"TransactedResource", "A1"},
                    {"IsRoyaltyBearing", "true"},
                    {"NumberOfStreams", "600"}});
  w.record("SU02", {{"BlockId", "1"},
                    {"SummaryRecordId", "S3"},
                    {"SalesTransactionId", "t4"},
                    {"TransactedResource", "A1"},
                    {"IsRoyaltyBearing", "true"},
                    {"NumberOfStreams", "7"}});
  w.record("AS01.01", {{"BlockId", "2"},
                       {"ResourceReference", "A3"},
                       {"DspResourceId", "dsp-a3"},
                       {"ISRC", "GBAYE2600003"},
                       {"Title", "Three"},
                       {"DisplayArtistName", "Solo"},
                       {"ResourceType", "SoundRecording"}});
  w.record("MW01.01", {{"BlockId", "2"}, {"DspWorkId", "w3"}, {"Title", "Three"}});
  w.record("SU02", {{"BlockId", "2"},
                    {"SummaryRecordId", "S2"},
                    {"SalesTransactionId", "t5"},
                    {"TransactedResource", "A3"},
                    {"IsRoyaltyBearing", "false"},
                    {"NumberOfStreams", "400"}});
  return w.finish();
}

TEST(dsr_reader, basic_audio_profile_1_2_is_read_by_its_layouts_with_exact_money) {
  const auto text = bap_1_2();
  expect_conformant(text, "StreamCo", "DE");
  const auto r = read(text);
  ASSERT_TRUE(r.problems.empty()) << describe(r.problems);
  EXPECT_EQ(r.header.profile, "BasicAudioProfile");
  EXPECT_EQ(r.header.profile_version, "1.2");
  EXPECT_EQ(r.header.message_id, "MSG-BAP12");
  ASSERT_EQ(r.rows.size(), 5u);
  // Downloads: S1's 2.97 EUR over 3 usages.
  EXPECT_EQ(r.rows[0].upc, "5012345678900");
  EXPECT_EQ(r.rows[0].isrc, "");
  EXPECT_EQ(r.rows[0].quantity, 2);
  EXPECT_EQ(r.rows[0].use_type, "PermanentDownload");
  EXPECT_EQ(r.rows[0].territory, "DE");
  EXPECT_EQ(r.rows[0].currency, "EUR");
  EXPECT_EQ(r.rows[1].isrc, "GBAYE2600002");
  EXPECT_EQ(r.rows[1].iswc, "T0345246812"); // the work given on AS02.02
  // Streams: S2's 1.00 USD over 1000 streams in two blocks; S3 a subscription in GBP.
  EXPECT_EQ(r.rows[2].isrc, "GBAYE2600001");
  EXPECT_EQ(r.rows[2].iswc, "T0345246801"); // from MW01.01
  EXPECT_EQ(r.rows[2].work_title, "One (the song)");
  EXPECT_EQ(r.rows[2].quantity, 600);
  EXPECT_EQ(r.rows[2].currency, "USD");
  EXPECT_EQ(r.rows[3].currency, "GBP");
  EXPECT_EQ(r.rows[3].use_type, "OnDemandStream");
  EXPECT_EQ(r.rows[4].isrc, "GBAYE2600003");
  EXPECT_EQ(r.rows[4].territory, "US");
  EXPECT_EQ(r.summaries.at("S1").net_revenue, 2'970'000);
  EXPECT_EQ(r.summaries.at("S1").total_usages, 3);
  EXPECT_EQ(r.summaries.at("S2").net_revenue, 1'000'000);
  EXPECT_EQ(r.summaries.at("S3").total_usages, 7); // UsagesInReportingPeriod
  EXPECT_EQ(r.summaries.at("S3").net_revenue, 700'000);
}

/// A UGC Profile 1.2 report: ad-supported views of user videos, each usage with its own revenue.
std::string ugc_1_2() {
  dsr_writer w("UgcProfile", "1.2");
  w.head("MSG-UGC12", "TubeCo", "2026-01-01", "2026-01-31");
  w.record("SY02.02", {{"SummaryRecordId", "U1"},
                       {"CommercialModel", "AdvertisementSupportedModel"},
                       {"UseType", "OnDemandStream"},
                       {"Territory", "FR"},
                       {"ServiceDescription", "Free"},
                       {"Usages", "1500"},
                       {"Users", "900"},
                       {"CurrencyOfReporting", "EUR"},
                       {"NetRevenue", "3.300000"},
                       {"ContentCategory", "UserGeneratedContent"}});
  for (int b = 1; b <= 2; ++b) {
    const auto id = std::to_string(b);
    w.record("AS01.01", {{"BlockId", id},
                         {"ResourceReference", "A" + id},
                         {"DspResourceId", "yt-a" + id},
                         {"ISRC", "FRZ032600" + std::string(b == 1 ? "101" : "102")},
                         {"Title", "Clip " + id},
                         {"DisplayArtistName", "Someone"},
                         {"ResourceType", "SoundRecording"}});
    w.record(
        "MW01.01",
        {{"BlockId", id}, {"DspWorkId", "w" + id}, {"ISWC", b == 1 ? "T0345246801" : ""}, {"Title", "Work " + id}});
    w.record("RU01.01", {{"BlockId", id},
                         {"SummaryRecordId", "U1"},
                         {"DspReleaseId", "video-" + id},
                         {"Usages", b == 1 ? "1000" : "500"},
                         {"ContentCategory", "UserGeneratedContent"}});
    w.record("SU03.02", {{"BlockId", id},
                         {"SalesTransactionId", "s" + id},
                         {"SummaryRecordId", "U1"},
                         {"DspResourceId", "yt-a" + id},
                         {"Usages", b == 1 ? "1000" : "500"},
                         {"NetRevenue", b == 1 ? "2.200000" : "1.100000"},
                         {"IsRoyaltyBearing", "true"}});
    w.record("LI01.02", {{"BlockId", id},
                         {"SummaryRecordId", "U1"},
                         {"RightsController", "TuneMantra"},
                         {"RightSharePercentage", "100"},
                         {"AllocatedNetRevenue", b == 1 ? "2.2" : "1.1"},
                         {"AllocatedAmount", b == 1 ? "2.2" : "1.1"}});
  }
  return w.finish();
}

TEST(dsr_reader, ugc_profile_1_2_usages_carry_their_own_revenue) {
  const auto text = ugc_1_2();
  expect_conformant(text, "TubeCo", "FR");
  const auto r = read(text);
  ASSERT_TRUE(r.problems.empty()) << describe(r.problems);
  EXPECT_EQ(r.header.profile, "UgcProfile");
  ASSERT_EQ(r.rows.size(), 2u); // the SU03.02 rows; RU01.01 and LI01.02 are read and checked, not imported
  EXPECT_EQ(r.rows[0].isrc, "FRZ032600101");
  EXPECT_EQ(r.rows[0].quantity, 1000);
  EXPECT_EQ(r.rows[0].revenue, 2'200'000);
  EXPECT_EQ(r.rows[0].iswc, "T0345246801");
  EXPECT_EQ(r.rows[0].currency, "EUR");
  EXPECT_EQ(r.rows[0].territory, "FR");
  EXPECT_EQ(r.rows[1].isrc, "FRZ032600102");
  EXPECT_EQ(r.rows[1].revenue, 1'100'000);
  EXPECT_EQ(r.rows[1].work_title, "Work 2");
}

/// A Basic Audio Profile 1.1 report: unversioned SY01 and AS01, SY02.01; downloads and streams.
std::string bap_1_1() {
  dsr_writer w("BasicAudioProfile", "1.1");
  w.head("MSG-BAP11", "ShopCo", "2026-02", "2026-02");
  w.record("SY01", {{"SummaryRecordId", "D1"},
                    {"CommercialModel", "PayAsYouGoModel"},
                    {"UseType", "PermanentDownload"},
                    {"Territory", "JP"},
                    {"Usages", "4"},
                    {"Currency", "JPY"},
                    {"NetRevenue", "1000"}});
  w.record("SY02.01", {{"SummaryRecordId", "D2"},
                       {"CommercialModel", "SubscriptionModel"},
                       {"UseType", "OnDemandStream"},
                       {"Territory", "JP"},
                       {"ServiceDescription", "Unlimited"},
                       {"Usages", "3"},
                       {"Currency", "JPY"},
                       {"NetRevenue", "10"}});
  w.record("RE01", {{"BlockId", "1"},
                    {"ReleaseReference", "R1"},
                    {"DspReleaseId", "r1"},
                    {"ICPN", "4006381333931"},
                    {"DisplayArtistName", "Band"},
                    {"Title", "EP"}});
  w.record("AS01", {{"BlockId", "1"},
                    {"ResourceReference", "A1"},
                    {"DspResourceId", "a1"},
                    {"ISRC", "JPA112600001"},
                    {"Title", "Track"},
                    {"DisplayArtistName", "Band"},
                    {"Duration", "PT4M"},
                    {"ResourceType", "SoundRecording"}});
  w.record("SU01", {{"BlockId", "1"},
                    {"SummaryRecordId", "D1"},
                    {"SalesTransactionId", "t1"},
                    {"TransactedRelease", "R1"},
                    {"TransactedResource", "A1"},
                    {"IsRoyaltyBearing", "true"},
                    {"SalesUpgrade", "false"},
                    {"Usages", "4"},
                    {"Returns", "0"},
                    {"PriceConsumerPaidExcSalesTax", "250"}});
  w.record("SU02", {{"BlockId", "1"},
                    {"SummaryRecordId", "D2"},
                    {"SalesTransactionId", "t2"},
                    {"TransactedResource", "A1"},
                    {"NumberOfStreams", "3"}});
  return w.finish();
}

TEST(dsr_reader, basic_audio_profile_1_1_reads_its_own_layouts) {
  const auto text = bap_1_1();
  expect_conformant(text, "ShopCo", "JP");
  const auto r = read(text);
  ASSERT_TRUE(r.problems.empty()) << describe(r.problems);
  EXPECT_EQ(r.header.usage_start, "2026-02-01"); // a month, as ddex_IsoDate allows
  EXPECT_EQ(r.header.usage_end, "2026-02-28");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].upc, "4006381333931");
  EXPECT_EQ(r.rows[0].isrc, "JPA112600001");
  EXPECT_EQ(r.rows[0].quantity, 4);
  EXPECT_EQ(r.rows[0].currency, "JPY");
  EXPECT_EQ(r.summaries.at("D1").net_revenue, 1000'000'000);
  EXPECT_EQ(r.rows[1].quantity, 3);
  EXPECT_EQ(r.rows[1].use_type, "OnDemandStream");
}

TEST(dsr_reader, basic_audio_profile_1_0_and_ugc_profile_1_1_1) {
  dsr_writer w("BasicAudioProfile", "1.0");
  w.head("MSG-BAP10", "OldCo", "2025-12-01", "2025-12-31");
  w.record("SY02", {{"SummaryRecordId", "1"},
                    {"CommercialModel", "SubscriptionModel"},
                    {"UseType", "OnDemandStream"},
                    {"Territory", "SE"},
                    {"ServiceDescription", "Premium"},
                    {"Usages", "9"},
                    {"Currency", "SEK"},
                    {"NetRevenue", "4.5"}});
  w.record("RE01", {{"BlockId", "1"},
                    {"ReleaseReference", "R1"},
                    {"DspReleaseId", "r1"},
                    {"ICPN", "036000291452"},
                    {"DisplayArtistName", "A"},
                    {"Title", "T"}});
  w.record("AS01", {{"BlockId", "1"},
                    {"ResourceReference", "A1"},
                    {"DspResourceId", "a1"},
                    {"ISRC", "SEABC2500001"},
                    {"Title", "T"},
                    {"DisplayArtistName", "A"},
                    {"Duration", "PT2M30.5S"},
                    {"ResourceType", "SoundRecording"}});
  w.record("MW01", {{"BlockId", "1"}, {"DspWorkId", "w1"}, {"ISWC", "T0345246801"}, {"Title", "The Work"}});
  w.record("SU02", {{"BlockId", "1"},
                    {"SummaryRecordId", "1"},
                    {"SalesTransactionId", "t1"},
                    {"TransactedRelease", "R1"},
                    {"TransactedResource", "A1"},
                    {"NumberOfStreams", "9"}});
  auto text = w.finish();
  expect_conformant(text, "OldCo", "SE");
  auto r = read(text);
  ASSERT_TRUE(r.problems.empty()) << describe(r.problems);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].isrc, "SEABC2500001");
  EXPECT_EQ(r.rows[0].upc, "036000291452");
  EXPECT_EQ(r.rows[0].iswc, "T0345246801");
  EXPECT_EQ(r.rows[0].currency, "SEK");
  EXPECT_EQ(r.summaries.at("1").net_revenue, 4'500'000);

  dsr_writer u("UgcProfile", "1.1.1");
  u.head("MSG-UGC111", "VidCo", "2026-03-01", "2026-03-31");
  u.record("SY02.01", {{"SummaryRecordId", "1"},
                       {"CommercialModel", "AdvertisementSupportedModel"},
                       {"UseType", "OnDemandStream"},
                       {"Territory", "Worldwide"},
                       {"ServiceDescription", "Free"},
                       {"Usages", "70"},
                       {"Currency", "USD"},
                       {"NetRevenue", "0.07"}});
  u.record("AS01", {{"BlockId", "1"},
                    {"ResourceReference", "A1"},
                    {"DspResourceId", "a1"},
                    {"ISRC", "USRC12600001"},
                    {"Title", "Song"},
                    {"DisplayArtistName", "A"},
                    {"Duration", "PT3M"},
                    {"ResourceType", "SoundRecording"}});
  u.record("RU01", {{"BlockId", "1"}, {"SummaryRecordId", "1"}, {"DspReleaseId", "video-1"}, {"Usages", "70"}});
  u.record("SU03.01", {{"BlockId", "1"},
                       {"SalesTransactionId", "s1"},
                       {"SummaryRecordId", "1"},
                       {"DspReleaseId", "video-1"},
                       {"Usages", "70"},
                       {"NetRevenue", "0.07"}});
  u.record("LI01.01", {{"BlockId", "1"},
                       {"RightsController", "TuneMantra"},
                       {"RightSharePercentage", "100"},
                       {"AllocatedNetRevenue", "0.07"},
                       {"AllocatedAmount", "0.07"}});
  text = u.finish();
  expect_conformant(text, "VidCo", "Worldwide");
  r = read(text);
  ASSERT_TRUE(r.problems.empty()) << describe(r.problems);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].isrc, "USRC12600001"); // the video's one recording
  EXPECT_EQ(r.rows[0].revenue, 70'000);
  EXPECT_EQ(r.rows[0].territory, "Worldwide");
}

TEST(dsr_reader, ugc_profile_1_0_reads_its_unversioned_su03_usages) {
  // UgcProfile 1.0's XSD names its usage record element SU03, not RecordType-SU03 as every other:
  // the layouts generator reads it by its type, so its usages are imported like later versions'.
  dsr_writer w("UgcProfile", "1.0");
  w.head("MSG-UGC10", "VidCo", "2025-06-01", "2025-06-30");
  w.record("SY02", {{"SummaryRecordId", "1"},
                    {"CommercialModel", "AdvertisementSupportedModel"},
                    {"UseType", "OnDemandStream"},
                    {"Territory", "US"},
                    {"ServiceDescription", "Free"},
                    {"Usages", "1500"},
                    {"Currency", "USD"},
                    {"NetRevenue", "1.50"}});
  for (const auto& [block, isrc, views, revenue] :
       {std::tuple{"1", "USRC12500001", "1000", "1.000000"}, std::tuple{"2", "USRC12500002", "500", "0.500000"}}) {
    w.record("AS01", {{"BlockId", block},
                      {"ResourceReference", std::string("A") + block},
                      {"DspResourceId", std::string("a") + block},
                      {"ISRC", isrc},
                      {"Title", "Song"},
                      {"DisplayArtistName", "A"},
                      {"Duration", "PT3M"},
                      {"ResourceType", "SoundRecording"}});
    w.record("RU01", {{"BlockId", block}, {"SummaryRecordId", "1"}, {"DspReleaseId", std::string("v") + block},
                      {"Usages", views}});
    w.record("SU03", {{"BlockId", block},
                      {"SalesTransactionId", std::string("t") + block},
                      {"SummaryRecordId", "1"},
                      {"DspReleaseId", std::string("v") + block},
                      {"Usages", views},
                      {"NetRevenue", revenue}});
  }
  const auto text = w.finish();
  expect_conformant(text, "VidCo", "US");
  const auto r = read(text);
  ASSERT_TRUE(r.problems.empty()) << describe(r.problems);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].isrc, "USRC12500001");
  EXPECT_EQ(r.rows[0].quantity, 1000);
  EXPECT_EQ(r.rows[0].revenue, 1'000'000);
  EXPECT_EQ(r.rows[1].isrc, "USRC12500002");
  EXPECT_EQ(r.rows[1].revenue, 500'000);
  EXPECT_EQ(r.rows[1].currency, "USD");
}

TEST(dsr_reader, audio_visual_profiles_1_1_and_1_0_video_usages_are_read_by_release) {
  dsr_writer w("AudioVisualProfile", "1.1");
  w.head("MSG-AV11", "FilmCo", "2026-02-01", "2026-02-28");
  w.record("SY02.02", {{"SummaryRecordId", "S1"},
                       {"CommercialModel", "SubscriptionModel"},
                       {"UseType", "OnDemandStream"},
                       {"Territory", "FR"},
                       {"ServiceDescription", "Premium"},
                       {"Usages", "30"},
                       {"CurrencyOfReporting", "EUR"},
                       {"NetRevenue", "3.00"},
                       {"ContentCategory", "MusicVideo"}});
  w.record("RE03.01", {{"BlockId", "1"},
                       {"ReleaseReference", "R1"},
                       {"DspReleaseId", "film-1"},
                       {"ICPN", "5012345678900"},
                       {"Title", "Live at the Hall"}});
  w.record("AS03.01", {{"BlockId", "1"},
                       {"ResourceReference", "V1"},
                       {"DspResourceId", "video-1"},
                       {"VideoType", "LongFormMusicalWorkVideo"},
                       {"Title", "Live at the Hall"},
                       {"Duration", "PT1H2M"}});
  w.record("SU04.01", {{"BlockId", "1"},
                       {"SummaryRecordId", "S1"},
                       {"SalesTransactionId", "t1"},
                       {"TransactedRelease", "R1"},
                       {"IsRoyaltyBearing", "true"},
                       {"SalesUpgrade", "false"},
                       {"Usages", "20"},
                       {"Returns", "0"}});
  w.record("SU04.01", {{"BlockId", "1"},
                       {"SummaryRecordId", "S1"},
                       {"SalesTransactionId", "t2"},
                       {"TransactedResource", "V1"},
                       {"IsRoyaltyBearing", "true"},
                       {"SalesUpgrade", "false"},
                       {"Usages", "10"},
                       {"Returns", "0"}});
  const auto text = w.finish();
  expect_conformant(text, "FilmCo", "FR");
  const auto r = read(text);
  ASSERT_TRUE(r.problems.empty()) << describe(r.problems);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].upc, "5012345678900");
  EXPECT_EQ(r.rows[0].quantity, 20);
  EXPECT_EQ(r.rows[0].currency, "EUR");
  EXPECT_EQ(r.rows[1].isrc, ""); // a video: no ISRC, an unmatched row unless its release is known
  EXPECT_EQ(r.rows[1].quantity, 10);
  EXPECT_EQ(r.summaries.at("S1").usages_seen, 30);

  dsr_writer v("AudioVisualProfile", "1.0"); // unversioned names, Currency, streams of a video
  v.head("MSG-AV10", "FilmCo", "2025-02", "2025-02");
  v.record("SY02.01", {{"SummaryRecordId", "S1"},
                       {"CommercialModel", "AdvertisementSupportedModel"},
                       {"UseType", "OnDemandStream"},
                       {"Territory", "FR"},
                       {"ServiceDescription", "Free"},
                       {"Usages", "5"},
                       {"Currency", "EUR"},
                       {"NetRevenue", "0.05"}});
  v.record("RE03", {{"BlockId", "1"},
                    {"ReleaseReference", "R1"},
                    {"DspReleaseId", "film-1"},
                    {"ICPN", "5012345678900"},
                    {"Title", "Live"}});
  v.record("AS03", {{"BlockId", "1"},
                    {"ResourceReference", "V1"},
                    {"DspResourceId", "video-1"},
                    {"VideoType", "LongFormMusicalWorkVideo"},
                    {"Title", "Live"},
                    {"Duration", "PT1H"},
                    {"DirectorName", "D. Rector"}});
  v.record("SU02", {{"BlockId", "1"},
                    {"SummaryRecordId", "S1"},
                    {"SalesTransactionId", "t1"},
                    {"TransactedRelease", "R1"},
                    {"TransactedResource", "V1"},
                    {"NumberOfStreams", "5"}});
  const auto old_text = v.finish();
  expect_conformant(old_text, "FilmCo", "FR");
  const auto old_r = read(old_text);
  ASSERT_TRUE(old_r.problems.empty()) << describe(old_r.problems);
  ASSERT_EQ(old_r.rows.size(), 1u);
  EXPECT_EQ(old_r.rows[0].upc, "5012345678900");
  EXPECT_EQ(old_r.rows[0].usage_start, "2025-02-01"); // a month: its first and last day
  EXPECT_EQ(old_r.rows[0].usage_end, "2025-02-28");
  EXPECT_EQ(old_r.summaries.at("S1").net_revenue, 50'000);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string joined(const std::vector<std::string>& lines, const std::string& end = "\n") {
  std::string out;
  for (const auto& l : lines)
    out += l + end;
  return out;
}

/// The problems of the BAP 1.2 file after `change` (lines counted from 1, as in the file).
std::string refused(const std::function<void(std::vector<std::string>&)>& change) {
  auto lines = lines_of(bap_1_2());
  change(lines);
  const auto r = read(joined(lines));
  return describe(r.problems);
}

std::string& line_starting(std::vector<std::string>& lines, const std::string& start, int nth = 0) {
  for (auto& l : lines)
    if (l.starts_with(start) && nth-- == 0)
      return l;
  throw std::logic_error("no line " + start);
}

/// Replaces cell `i` (0 = RecordType) of `line`.
void set_cell(std::string& line, std::size_t i, const std::string& value) {
  std::size_t start = 0;
  for (std::size_t k = 0; k < i; ++k)
    start = line.find('\t', start) + 1;
  const auto end = line.find('\t', start);
  line.replace(start, end == std::string::npos ? std::string::npos : end - start, value);
}

TEST(dsr_reader, comments_empty_lines_and_crlf_are_lines_but_not_records) {
  auto lines = lines_of(bap_1_2());
  lines.insert(lines.begin() + 5, "");            // an empty line ...
  lines.insert(lines.begin() + 6, "# a comment"); // ... and a comment: both counted in the FOOT
  set_cell(lines.back(), 1, std::to_string(lines.size()));
  set_cell(lines.back(), 2, std::to_string(lines.size()));
  const auto r = read(joined(lines, "\r\n"));
  EXPECT_TRUE(r.problems.empty()) << describe(r.problems);
  EXPECT_EQ(r.rows.size(), 5u);
}

TEST(dsr_reader, an_unsupported_profile_is_one_clear_problem) {
  auto text = refused([](auto& lines) { set_cell(lines[0], 2, "UGCProfile"), set_cell(lines[0], 3, "2.0"); });
  EXPECT_EQ(text, "line 1: UGCProfile 2.0 is not supported; supported: " + supported_dsr_profiles() + "\n");
  EXPECT_NE(supported_dsr_profiles().find("BasicAudioProfile 1.0, 1.1, 1.2; UgcProfile 1.0, 1.1.1, 1.2"),
            std::string::npos);
  text = refused([](auto& lines) { lines.erase(lines.begin()); });
  EXPECT_NE(text.find("the file must start with a HEAD record"), std::string::npos) << text;
}

TEST(dsr_reader, cells_are_checked_against_the_layout_of_their_record) {
  // An unversioned name from another profile version.
  auto text = refused([](auto& lines) { line_starting(lines, "SY01.01").replace(0, 7, "SY01"); });
  EXPECT_NE(text.find("line 3: record type \"SY01\" is not part of BasicAudioProfile 1.2"), std::string::npos) << text;
  // A missing trailing cell, and one too many.
  text = refused([](auto& lines) {
    auto& l = line_starting(lines, "SU02");
    l.erase(l.rfind('\t'));
  });
  EXPECT_NE(text.find("line 13: SU02 has 9 cells; BasicAudioProfile 1.2 defines 10"), std::string::npos) << text;
  text = refused([](auto& lines) { line_starting(lines, "RE01") += "\textra"; });
  EXPECT_NE(text.find("line 6: RE01 has 16 cells"), std::string::npos) << text;
  // Types: a boolean, a whole number, a decimal, a duration, a date; a required cell.
  text = refused([](auto& lines) { set_cell(line_starting(lines, "SU02"), 6, "Yes"); });
  EXPECT_NE(text.find("line 13: SU02 IsRoyaltyBearing \"Yes\" is not true or false"), std::string::npos) << text;
  text = refused([](auto& lines) { set_cell(line_starting(lines, "SU01"), 8, "4OO"); });
  EXPECT_NE(text.find("line 11: SU01 Usages \"4OO\" is not a whole number"), std::string::npos) << text;
  text = refused([](auto& lines) { set_cell(line_starting(lines, "SY01.01"), 11, "12,5"); });
  EXPECT_NE(text.find("line 3: SY01.01 NetRevenue \"12,5\" is not a decimal number"), std::string::npos) << text;
  text = refused([](auto& lines) { set_cell(line_starting(lines, "AS01.01"), 9, "3:25"); });
  EXPECT_NE(text.find("line 7: AS01.01 Duration \"3:25\" is not an ISO 8601 duration"), std::string::npos) << text;
  text = refused([](auto& lines) { set_cell(lines[0], 9, "2026-10-32"); });
  EXPECT_NE(text.find("line 1: HEAD UsageEndDate \"2026-10-32\" is not a date"), std::string::npos) << text;
  text = refused([](auto& lines) { set_cell(line_starting(lines, "RE01"), 9, ""); });
  EXPECT_NE(text.find("line 6: RE01 Title (cell 10) is required"), std::string::npos) << text;
}

TEST(dsr_reader, identifiers_references_and_order_are_checked) {
  auto text = refused([](auto& lines) { set_cell(line_starting(lines, "AS01.01"), 4, "NOTANISRC"); });
  EXPECT_NE(text.find("line 7: ISRC \"NOTANISRC\""), std::string::npos) << text;
  text = refused([](auto& lines) { set_cell(line_starting(lines, "RE01"), 6, "5012345678901"); });
  EXPECT_NE(text.find("line 6: ICPN \"5012345678901\""), std::string::npos) << text;
  text = refused([](auto& lines) { set_cell(line_starting(lines, "SU02"), 2, "S9"); });
  EXPECT_NE(text.find("line 13: SummaryRecordId \"S9\" names no summary record"), std::string::npos) << text;
  text = refused([](auto& lines) { set_cell(line_starting(lines, "SU02"), 5, "A7"); });
  EXPECT_NE(text.find("line 13: TransactedResource \"A7\" is not in block 1"), std::string::npos) << text;
  text = refused([](auto& lines) { lines.push_back(line_starting(lines, "SU02")); });
  EXPECT_NE(text.find("line 19: a SU02 record after FOOT"), std::string::npos) << text;
  text = refused([](auto& lines) { std::swap(line_starting(lines, "SY04.01"), line_starting(lines, "RE01")); });
  EXPECT_NE(text.find("summary record SY04.01 after the usage blocks began"), std::string::npos) << text;
}

TEST(dsr_reader, foot_counts_and_usage_totals_must_hold) {
  auto text = refused([](auto& lines) { lines.pop_back(); });
  EXPECT_NE(text.find("no FOOT record: the file is truncated"), std::string::npos) << text;
  text = refused([](auto& lines) { set_cell(lines.back(), 1, "17"); });
  EXPECT_NE(text.find("FOOT NumberOfLinesInFile is 17 but the file has 18 lines"), std::string::npos) << text;
  text = refused([](auto& lines) { set_cell(lines.back(), 3, "2"); });
  EXPECT_NE(text.find("FOOT NumberOfSummaryRecords is 2 but the file has 3"), std::string::npos) << text;
  text = refused([](auto& lines) { set_cell(lines.back(), 4, "3"); });
  EXPECT_NE(text.find("FOOT NumberOfBlocksInFile is 3 but the file has 2"), std::string::npos) << text;
  text = refused([](auto& lines) { set_cell(line_starting(lines, "SU02"), 7, "599"); });
  EXPECT_NE(text.find("summary S2 (SY02.02) counts 1000 usages but its usage records add up to 999"), std::string::npos)
      << text;
}

TEST(dsr_reader, stops_handing_out_rows_after_the_first_problem_and_caps_the_list) {
  auto lines = lines_of(bap_1_2());
  lines.insert(lines.begin() + 4, 300, "ZZ99");
  int rows = 0;
  dsr_parser p([&](const usage&) { ++rows; }, 10);
  for (const auto& l : lines)
    p.line(l);
  p.finish();
  EXPECT_EQ(rows, 0);
  EXPECT_EQ(p.problems().size(), 10u);
  EXPECT_GE(p.problem_count(), 300);
}

// --- Reports in several files (DSR Part 1 §6.3) ------------------------------------------------

/// The two summaries every file of the two-file report carries: 10.00 EUR over 3 downloads, 1.00
/// USD over 1000 streams.
void two_file_summaries(dsr_writer& w) {
  w.record("SY01.01", {{"SummaryRecordId", "S1"},
                       {"CommercialModel", "PayAsYouGoModel"},
                       {"UseType", "PermanentDownload"},
                       {"Territory", "DE"},
                       {"ServiceDescription", "Premium"},
                       {"Usages", "3"},
                       {"CurrencyOfReporting", "EUR"},
                       {"NetRevenue", "10.00"}});
  w.record("SY02.02", {{"SummaryRecordId", "S2"},
                       {"CommercialModel", "AdvertisementSupportedModel"},
                       {"UseType", "OnDemandStream"},
                       {"Territory", "US"},
                       {"ServiceDescription", "Free"},
                       {"Usages", "1000"},
                       {"CurrencyOfReporting", "USD"},
                       {"NetRevenue", "1.00"},
                       {"ContentCategory", "Music"}});
}

/// A block with one recording, `downloads` of S1 and `streams` of S2.
void two_file_block(dsr_writer& w, const std::string& block, const std::string& isrc, int downloads, int streams) {
  w.record("AS01.01", {{"BlockId", block},
                       {"ResourceReference", "A" + block},
                       {"DspResourceId", "dsp-" + block},
                       {"ISRC", isrc},
                       {"Title", "Song " + block},
                       {"DisplayArtistName", "The Band"},
                       {"ResourceType", "SoundRecording"}});
  w.record("MW01.01", {{"BlockId", block}, {"DspWorkId", "w" + block}, {"ISWC", "T0345246801"}, {"Title", "Work " + block}});
  w.record("SU01", {{"BlockId", block},
                    {"SummaryRecordId", "S1"},
                    {"SalesTransactionId", "d" + block},
                    {"TransactedResource", "A" + block},
                    {"IsRoyaltyBearing", "true"},
                    {"SalesUpgrade", "false"},
                    {"Usages", std::to_string(downloads)},
                    {"Returns", "0"}});
  w.record("SU02", {{"BlockId", block},
                    {"SummaryRecordId", "S2"},
                    {"SalesTransactionId", "s" + block},
                    {"TransactedResource", "A" + block},
                    {"IsRoyaltyBearing", "true"},
                    {"NumberOfStreams", std::to_string(streams)}});
}

/// A Basic Audio Profile 1.2 report in two files: block 1 (2 downloads, 600 streams) in file 1,
/// block 2 (1 download, 400 streams) in file 2.
std::vector<std::string> two_file_report() {
  return test::dsr_report("BasicAudioProfile", "1.2", "MSG-TWO", "StreamCo", "2026-01-01", "2026-01-31", 2,
                          [](dsr_writer& w, int n) {
                            two_file_summaries(w);
                            if (n == 1)
                              two_file_block(w, "1", "GBAYE2600001", 2, 600);
                            else
                              two_file_block(w, "2", "GBAYE2600002", 1, 400);
                          });
}

read_result read_files(const std::vector<std::string>& files) {
  read_result out;
  dsr_parser parser([&](const usage& u) { out.rows.push_back(u); });
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (i > 0)
      parser.next_file();
    for (const auto& l : lines_of(files[i]))
      parser.line(l);
  }
  parser.finish();
  out.problems = parser.problems();
  out.header = parser.header();
  out.summaries = parser.summaries();
  return out;
}

std::string describe_files(const std::vector<problem>& problems) {
  std::string out;
  for (const auto& p : problems)
    out += "file " + std::to_string(p.file) + " line " + std::to_string(p.line) + ": " + p.message + "\n";
  return out;
}

/// The problems of the two-file report after `change` to its files' lines.
std::string refused_files(const std::function<void(std::vector<std::string>&, std::vector<std::string>&)>& change) {
  const auto files = two_file_report();
  auto one = lines_of(files[0]), two = lines_of(files[1]);
  change(one, two);
  return describe_files(read_files({joined(one), joined(two)}).problems);
}

TEST(dsr_reader, a_report_in_two_files_is_one_message_with_revenue_shared_across_its_files) {
  const auto files = two_file_report();
  { // DDEX's checker on the report's two files, under names that say which file each is
    test::temp_dir dir;
    std::vector<std::filesystem::path> paths;
    for (int n = 1; n <= 2; ++n) {
      paths.push_back(dir.path() / dsr_writer::file_name("TuneMantra", "StreamCo", "Premium", "2026-01", "DE", n, 2));
      std::ofstream(paths.back(), std::ios::binary) << files[static_cast<std::size_t>(n - 1)];
    }
    const auto check = test::dsr_check(paths);
    EXPECT_TRUE(check.passed) << check.output << files[0] << files[1];
  }
  const auto r = read_files(files);
  ASSERT_TRUE(r.problems.empty()) << describe_files(r.problems);
  EXPECT_EQ(r.header.message_id, "MSG-TWO");
  EXPECT_EQ(r.header.number_of_files, 2);
  ASSERT_EQ(r.rows.size(), 4u);
  EXPECT_EQ(r.rows[0].file, 1);
  EXPECT_EQ(r.rows[0].line, 6); // HEAD, 2 summaries, AS01, MW01, then SU01
  EXPECT_EQ(r.rows[0].isrc, "GBAYE2600001");
  EXPECT_EQ(r.rows[0].work_title, "Work 1");
  EXPECT_EQ(r.rows[3].file, 2);
  EXPECT_EQ(r.rows[3].line, 7); // lines are counted in their file
  EXPECT_EQ(r.rows[3].isrc, "GBAYE2600002");
  // The summaries are the report's: their usages add up over both files. The money is shared by
  // the importer (persistence/sales_import.cpp) by running totals over the rows in file order.
  EXPECT_EQ(r.summaries.at("S1").usages_seen, 3);
  EXPECT_EQ(r.summaries.at("S2").usages_seen, 1000);
  EXPECT_EQ(r.summaries.at("S1").net_revenue, 10'000'000);
}

TEST(dsr_reader, the_files_of_a_report_must_agree_and_all_be_there) {
  // File 2 alone, or file 1 alone.
  const auto files = two_file_report();
  auto text = describe_files(read_files({files[0]}).problems);
  EXPECT_NE(text.find("file 0 line 0: the report has 2 files and 1 were read"), std::string::npos) << text;
  text = describe_files(read_files({files[1], files[0]}).problems);
  EXPECT_NE(text.find("file 1 line 1: this is file 2 of 2 but was read as file 1"), std::string::npos) << text;
  // A HEAD of another message; a summary that differs; one missing; a block repeated.
  text = refused_files([](auto&, auto& two) { set_cell(two[0], 4, "MSG-OTHER"); });
  EXPECT_NE(text.find("file 2 line 1: HEAD MessageId \"MSG-OTHER\" differs from file 1's \"MSG-TWO\""), std::string::npos)
    << text;
  text = refused_files([](auto&, auto& two) { set_cell(line_starting(two, "SY02.02"), 11, "2.00"); });
  EXPECT_NE(text.find("file 2 line 3: summary S2 differs from the one in file 1 (line 3)"), std::string::npos) << text;
  text = refused_files([](auto&, auto& two) { two.erase(two.begin() + 2); });
  EXPECT_NE(text.find("file 2 line 7: this file has 1 summary records and file 1 has 2"), std::string::npos) << text;
  text = refused_files([](auto&, auto& two) {
    for (auto& l : two)
      if (!l.starts_with("HEAD") && !l.starts_with("SY") && !l.starts_with("FOOT"))
        set_cell(l, 1, "1");
  });
  EXPECT_NE(text.find("file 2 line 4: block 1 is in file 1 too"), std::string::npos) << text;
  // The report's counts: mandatory in the last file, and right.
  text = refused_files([](auto&, auto& two) { set_cell(two.back(), 2, ""); });
  EXPECT_NE(text.find("file 2 line 8: FOOT NumberOfLinesInReport is required in the last file"), std::string::npos)
    << text;
  text = refused_files([](auto&, auto& two) { set_cell(two.back(), 2, "8"); });
  EXPECT_NE(text.find("file 2 line 8: FOOT NumberOfLinesInReport is 8 but the report has 16 lines"), std::string::npos)
    << text;
  text = refused_files([](auto&, auto& two) { set_cell(two.back(), 5, "1"); });
  EXPECT_NE(text.find("file 2 line 8: FOOT NumberOfBlocksInReport is 1 but the report has 2 blocks"), std::string::npos) << text;
  // Usages that do not add up to a summary over the report.
  text = refused_files([](auto&, auto& two) { set_cell(line_starting(two, "SU02"), 7, "399"); });
  EXPECT_NE(text.find("summary S2 (SY02.02) counts 1000 usages but its usage records add up to 999 in all files"),
            std::string::npos)
    << text;
}

TEST(dsr_layouts, the_embedded_table_is_what_the_generator_writes_from_ddex_xsds) {
  const auto shared = std::filesystem::path(TM_SOURCE_DIR) / ".." / "shared" / "tools" / "dsrf" / "dsrf" / "schemas";
  ASSERT_TRUE(std::filesystem::exists(shared)) << shared;
  test::temp_dir dir;
  const auto out = dir.path() / "layouts.tsv";
  const auto command = "python3 '" + std::string(TM_SOURCE_DIR) + "/scripts/gen_dsr_layouts.py' '" + shared.string() +
                       "' > '" + out.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream generated(out), checked_in(std::string(TM_SOURCE_DIR) + "/domain/dsr_layouts.tsv");
  const std::string a((std::istreambuf_iterator<char>(generated)), {}),
      b((std::istreambuf_iterator<char>(checked_in)), {});
  EXPECT_EQ(a, b) << "domain/dsr_layouts.tsv is stale: run scripts/gen_dsr_layouts.py";
  EXPECT_EQ(parse_dsr_layouts(b).size(), 8u);
}

} // namespace
} // namespace tunemantra::domain::sales
