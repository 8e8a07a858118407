// Sales-report parsing (DDEX DSR flat file and the CSV format) and exact money: good files,
// truncated ones, wrong FOOT counts, bad numbers and dates, CRLF, comments; allocation that
// always adds up.

#include <random>

#include <gtest/gtest.h>

#include "domain/sales_report.hpp"

namespace tunemantra::domain::sales {
namespace {

TEST(sales_money, parses_decimals_exactly_and_rounds_half_to_even_past_six_places) {
  EXPECT_EQ(parse_micros("12"), 12'000'000);
  EXPECT_EQ(parse_micros("-3.5"), -3'500'000);
  EXPECT_EQ(parse_micros("0.000001"), 1);
  EXPECT_EQ(parse_micros(".25"), 250'000);
  EXPECT_EQ(parse_micros("1.0000005"), 1'000'000);   // half, even stays
  EXPECT_EQ(parse_micros("1.0000015"), 1'000'002);   // half, odd goes up
  EXPECT_EQ(parse_micros("1.00000051"), 1'000'001);  // above half
  EXPECT_EQ(parse_micros("1.00000049"), 1'000'000);  // below half
  for (const char* bad : {"", ".", "-", "1e5", "1,000", "abc", "--1", "1.2.3", " 1", "1234567890123"})
    EXPECT_FALSE(parse_micros(bad)) << bad;
  EXPECT_EQ(format_micros(12'500'000), "12.500000");
  EXPECT_EQ(format_micros(-1), "-0.000001");
}

TEST(sales_money, allocation_worked_examples) {
  EXPECT_EQ(allocate(100, {1, 1, 1}), (std::vector<micros>{34, 33, 33}));
  EXPECT_EQ(allocate(10'000'000, {1, 2}), (std::vector<micros>{3'333'333, 6'666'667}));
  EXPECT_EQ(allocate(-100, {1, 1, 1}), (std::vector<micros>{-34, -33, -33}));
  EXPECT_EQ(allocate(7, {0, 0}), (std::vector<micros>{7, 0}));
  EXPECT_TRUE(allocate(7, {}).empty());
  EXPECT_THROW(allocate(7, {1, -1}), std::invalid_argument);
}

TEST(sales_money, random_allocations_always_add_up_and_stay_within_one_unit_of_exact) {
  std::mt19937_64 rng(20261202);
  for (int round = 0; round < 2000; ++round) {
    const micros total = std::uniform_int_distribution<micros>(-5'000'000'000, 5'000'000'000)(rng);
    std::vector<std::int64_t> weights(std::uniform_int_distribution<int>(1, 40)(rng));
    for (auto& w : weights)
      w = std::uniform_int_distribution<std::int64_t>(0, round % 3 == 0 ? 3 : 10'000'000)(rng);
    const auto shares = allocate(total, weights);
    micros sum = 0;
    long double weight_sum = 0;
    for (auto w : weights)
      weight_sum += static_cast<long double>(w);
    for (std::size_t i = 0; i < shares.size(); ++i) {
      sum += shares[i];
      if (weight_sum > 0) {
        const long double exact = static_cast<long double>(total) * static_cast<long double>(weights[i]) / weight_sum;
        EXPECT_LE(std::abs(static_cast<long double>(shares[i]) - exact), 1.0L) << "round " << round;
      }
    }
    ASSERT_EQ(sum, total) << "round " << round;
  }
}

TEST(sales_period, days_months_quarters_years_and_ranges) {
  EXPECT_EQ(parse_period("2026-02"), (std::pair<std::string, std::string>{"2026-02-01", "2026-02-28"}));
  EXPECT_EQ(parse_period("2024-02")->second, "2024-02-29");
  EXPECT_EQ(parse_period("2026-Q4"), (std::pair<std::string, std::string>{"2026-10-01", "2026-12-31"}));
  EXPECT_EQ(parse_period("2026"), (std::pair<std::string, std::string>{"2026-01-01", "2026-12-31"}));
  EXPECT_EQ(parse_period("2026-03-05"), (std::pair<std::string, std::string>{"2026-03-05", "2026-03-05"}));
  EXPECT_EQ(parse_period("2026-03-01--2026-03-15")->second, "2026-03-15");
  for (const char* bad : {"", "2026-13", "2026-Q5", "2026-02-30", "2026-03-15--2026-03-01", "26-01", "March"})
    EXPECT_FALSE(parse_period(bad)) << bad;
}

/// A DSR file: HEAD, two summaries (streams in GB with revenue, downloads in US), three blocks.
std::vector<std::string> good_dsr() {
  return {
    "#HEAD\tMessageVersion\tProfile\tProfileVersion\tMessageId\t...",
    "HEAD\tdsrf/1.4/2\tBasicAudioProfile\t1.3\tMSG-0001\t2026-11-02T10:00:00Z\t1\t1\t2026-10-01\t2026-10-31\t"
    "PADPIDA2010120601U\tStreamCo\tPremium\tPADPIDA2014120301X\tTuneMantra\tAll",
    "SY01\tS1\tStreamCo Premium\tPADPIDA2010120601U\tSubscriptionModel\tOnDemandStream\tGB\tPremium\t600\t1000\tGBP\t"
    "123.456789\t0\tGBP\t1",
    "SY02\tS2\tStreamCo Store\tPADPIDA2010120601U\tPayAsYouGoModel\tPermanentDownload\tUS\tStore\t3\t\tUSD\t2.97",
    "RE01\tB1\tR1\tDSP-R1\t\tCAT1\t036000291452\tThe Artist\t\tFirst Single\t\tSingle\tLabel\t(P) 2026 Label\tLabel",
    "AS01\tB1\tA1\tDSP-A1\tGBAYE2400001\tFirst Single\t\tThe Artist\t\tPT3M21S\tSoundRecording",
    "SU02\tB1\tS1\tT1\tR1\tA1\tYes\t400\t\t\tOnDemandStream",
    "RE01\tB2\tR2\tDSP-R2\t\tCAT2\t4006381333931\tThe Artist\t\tSecond\t\tSingle\tLabel\t(P) 2026 Label\tLabel",
    "AS01\tB2\tA2\tDSP-A2\tGB-AYE-24-00002\tSecond\t\tThe Artist\t\tPT2M05S\tSoundRecording",
    "SU02\tB2\tS1\tT2\tR2\tA2\tYes\t200\t\t\tOnDemandStream",
    "SU01\tB2\tS2\tT3\tR2\tA2\tYes\t3\t0.99\t\tPermanentDownload",
    "AS01\tB3\tA3\tDSP-A3\t\tUnknown\t\tSomeone\t\tPT1M\tSoundRecording",
    "FOOT\t12\t12\t2\t3\t3",
  };
}

struct parsed {
  std::vector<usage> rows;
  std::vector<problem> problems;
  std::map<std::string, summary> summaries;
};

parsed parse_dsr(const std::vector<std::string>& lines, const std::string& line_end = "") {
  parsed out;
  dsr_parser p([&](const usage& u) { out.rows.push_back(u); });
  for (const auto& l : lines)
    p.line(l + line_end);
  p.finish();
  out.problems = p.problems();
  out.summaries = p.summaries();
  return out;
}

std::string problems_text(const std::vector<problem>& problems) {
  std::string out;
  for (const auto& p : problems)
    out += "line " + std::to_string(p.line) + ": " + p.message + "\n";
  return out;
}

TEST(dsr_parser, reads_a_good_file_with_comments_and_crlf) {
  for (const std::string end : {"", "\r"}) {
    const auto r = parse_dsr(good_dsr(), end);
    ASSERT_TRUE(r.problems.empty()) << problems_text(r.problems);
    ASSERT_EQ(r.rows.size(), 3u);
    EXPECT_EQ(r.rows[0].isrc, "GBAYE2400001");
    EXPECT_EQ(r.rows[0].upc, "036000291452");
    EXPECT_EQ(r.rows[0].quantity, 400);
    EXPECT_EQ(r.rows[0].territory, "GB");
    EXPECT_EQ(r.rows[0].platform, "StreamCo");
    EXPECT_EQ(r.rows[0].usage_start, "2026-10-01");
    EXPECT_EQ(r.rows[0].currency, "GBP");
    EXPECT_EQ(r.rows[0].line, 7);
    EXPECT_EQ(r.rows[1].isrc, "GBAYE2400002"); // normalised
    EXPECT_EQ(r.rows[2].use_type, "PermanentDownload");
    EXPECT_EQ(r.rows[2].summary_id, "S2");
    EXPECT_EQ(r.summaries.at("S1").net_revenue, 123'456'789);
    EXPECT_EQ(r.summaries.at("S1").usages_seen, 600);
    EXPECT_EQ(r.summaries.at("S2").net_revenue, 2'970'000);
  }
}

TEST(dsr_parser, head_summary_and_foot_alone_mean_no_usage) {
  const auto r = parse_dsr({good_dsr()[1], "SY01\tS1\tX\tY\tSubscriptionModel\tOnDemandStream\tWorldwide\tX\t0", "FOOT\t3\t3\t1\t0\t0"});
  EXPECT_TRUE(r.problems.empty()) << problems_text(r.problems);
  EXPECT_TRUE(r.rows.empty());
}

/// The problems of `lines` as text; the file must have been refused.
std::string refused(const std::vector<std::string>& lines) {
  const auto r = parse_dsr(lines);
  EXPECT_FALSE(r.problems.empty());
  return problems_text(r.problems);
}

TEST(dsr_parser, refuses_a_truncated_file) {
  auto lines = good_dsr();
  lines.resize(8);
  EXPECT_NE(refused(lines).find("line 8: no FOOT record: the file is truncated"), std::string::npos);
  EXPECT_NE(refused({}).find("no records"), std::string::npos);
}

TEST(dsr_parser, refuses_wrong_foot_counts) {
  auto lines = good_dsr();
  lines.back() = "FOOT\t13\t13\t3\t2\t2";
  const auto text = refused(lines);
  EXPECT_NE(text.find("line 13: FOOT NumberOfLinesInFile is 13 but the file has 12 records"), std::string::npos) << text;
  EXPECT_NE(text.find("NumberOfSummaryRecords is 3 but the file has 2"), std::string::npos) << text;
  EXPECT_NE(text.find("NumberOfBlocksInFile is 2 but the file has 3"), std::string::npos) << text;
  lines.back() = "FOOT\t12\tx";
  EXPECT_NE(refused(lines).find("FOOT has 3 cells"), std::string::npos);
}

TEST(dsr_parser, reports_bad_numbers_dates_identifiers_and_records_with_their_lines) {
  auto lines = good_dsr();
  lines[6] = "SU02\tB1\tS1\tT1\tR1\tA1\tYes\t4OO\t\t\tOnDemandStream";
  auto text = refused(lines);
  EXPECT_NE(text.find("line 7: NumberOfStreams must be a whole number, not \"4OO\""), std::string::npos) << text;

  lines = good_dsr();
  lines[2] = "SY01\tS1\tX\tY\tSubscriptionModel\tOnDemandStream\tGB\tPremium\t600\t1000\tGBP\t12,5";
  text = refused(lines);
  EXPECT_NE(text.find("line 3: NetRevenue \"12,5\" is not a decimal number"), std::string::npos) << text;

  lines = good_dsr();
  lines[1].replace(lines[1].find("2026-10-31"), 10, "2026-10-32");
  EXPECT_NE(refused(lines).find("line 2: HEAD UsageStartDate and UsageEndDate must be dates"), std::string::npos);

  lines = good_dsr();
  lines[5] = "AS01\tB1\tA1\tDSP-A1\tNOTANISRC\tFirst Single";
  EXPECT_NE(refused(lines).find("line 6: ISRC \"NOTANISRC\""), std::string::npos);

  lines = good_dsr();
  lines.insert(lines.begin() + 4, "ZZ99\tsomething");
  EXPECT_NE(refused(lines).find("line 5: unknown record type \"ZZ99\""), std::string::npos);

  lines = good_dsr();
  lines[6] = "SU02\tB1\tS9\tT1\tR1\tA1\tYes\t400";
  EXPECT_NE(refused(lines).find("line 7: SummaryRecordId \"S9\" names no summary record"), std::string::npos);

  lines = good_dsr();
  lines[6] = "SU02\tB1\tS1\tT1\tR1\tA7\tYes\t400";
  EXPECT_NE(refused(lines).find("line 7: TransactedResource \"A7\" is not in block B1"), std::string::npos);

  lines = good_dsr();
  lines.push_back("SU02\tB3\tS1\tT9\t\tA3\tYes\t1");
  EXPECT_NE(refused(lines).find("line 14: a SU02 record after FOOT"), std::string::npos);

  lines = good_dsr();
  lines.erase(lines.begin() + 1); // no HEAD
  EXPECT_NE(refused(lines).find("line 2: the file must start with a HEAD record"), std::string::npos);
}

TEST(dsr_parser, usage_rows_must_add_up_to_their_summary) {
  auto lines = good_dsr();
  lines[6] = "SU02\tB1\tS1\tT1\tR1\tA1\tYes\t399\t\t\tOnDemandStream";
  EXPECT_NE(refused(lines).find("line 3: summary S1 says TotalUsages 600 but its usage records add up to 599"),
            std::string::npos);
}

TEST(dsr_parser, stops_handing_out_rows_after_the_first_problem_and_caps_the_list) {
  std::vector<std::string> lines = good_dsr();
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

parsed parse_csv(const std::vector<std::string>& lines) {
  parsed out;
  csv_parser p([&](const usage& u) { out.rows.push_back(u); });
  for (const auto& l : lines)
    p.line(l);
  p.finish();
  out.problems = p.problems();
  return out;
}

TEST(csv_parser, reads_quoted_cells_crlf_comments_and_any_column_order) {
  const auto r = parse_csv({
    "# exported 2026-11-02\r",
    "platform,period,territory,isrc,upc,use_type,quantity,net_revenue,currency\r",
    "\"StreamCo, Inc.\",2026-10,GB,GBAYE2400001,036000291452,stream,400,1.234567,GBP\r",
    "Shop,2026-10-05,US,,4006381333931,download,3,2.97,USD\r",
  });
  ASSERT_TRUE(r.problems.empty()) << problems_text(r.problems);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].platform, "StreamCo, Inc.");
  EXPECT_EQ(r.rows[0].usage_end, "2026-10-31");
  EXPECT_EQ(r.rows[0].revenue, 1'234'567);
  EXPECT_EQ(r.rows[1].isrc, "");
  EXPECT_EQ(r.rows[1].upc, "4006381333931");
  EXPECT_EQ(r.rows[1].line, 4);

  const auto reordered = parse_csv({"currency,net_revenue,quantity,use_type,upc,isrc,territory,period,platform",
                                    "EUR,0.5,10,stream,,GBAYE2400001,DE,2026-Q3,X"});
  ASSERT_TRUE(reordered.problems.empty()) << problems_text(reordered.problems);
  EXPECT_EQ(reordered.rows[0].usage_start, "2026-07-01");
}

TEST(csv_parser, reports_each_bad_row_with_its_line) {
  const auto r = parse_csv({
    "platform,period,territory,isrc,upc,use_type,quantity,net_revenue,currency",
    "X,2026-10,GB,GBAYE2400001,,stream,-4,1.0,GBP",
    "X,2026-13,XX,,,stream,4,1.0.0,GBPX",
    "X,2026-10,GB,GBAYE2400001,,stream,4,1.0",
    "\"X,2026-10,GB",
  });
  const auto text = problems_text(r.problems);
  EXPECT_NE(text.find("line 2: quantity \"-4\" is not a whole number"), std::string::npos) << text;
  EXPECT_NE(text.find("line 3: period \"2026-13\""), std::string::npos) << text;
  EXPECT_NE(text.find("line 3: territory \"XX\""), std::string::npos) << text;
  EXPECT_NE(text.find("line 3: a row needs an isrc or a upc"), std::string::npos) << text;
  EXPECT_NE(text.find("line 3: net_revenue \"1.0.0\""), std::string::npos) << text;
  EXPECT_NE(text.find("line 3: currency \"GBPX\""), std::string::npos) << text;
  EXPECT_NE(text.find("line 4: the row has 8 cells; the header has 9"), std::string::npos) << text;
  EXPECT_NE(text.find("line 5: a quoted cell is not closed"), std::string::npos) << text;
  EXPECT_TRUE(r.rows.empty());

  EXPECT_NE(problems_text(parse_csv({"platform,period"}).problems).find("line 1: the header has no territory column"),
            std::string::npos);
  EXPECT_NE(problems_text(parse_csv({"# only a comment"}).problems).find("no header line"), std::string::npos);
}

TEST(sales_dsr, the_message_id_comes_from_the_head_record_only) {
  EXPECT_EQ(dsr_message_id("HEAD\tdsrf/1.4/2\tBasicAudioProfile\t1.3\tMSG-9\t2026-11-02T10:00:00Z\r"), "MSG-9");
  EXPECT_EQ(dsr_message_id("HEAD\tdsrf/1.4/2\tBasicAudioProfile\t1.3\tMSG-9"), "MSG-9");
  EXPECT_EQ(dsr_message_id("HEAD\tdsrf/1.4/2"), "");
  EXPECT_EQ(dsr_message_id("SY01\tS1\tx\ty\tMSG-9"), "");
  EXPECT_EQ(dsr_message_id(""), "");
}

TEST(sales_money, running_allocation_adds_up_exactly_without_look_ahead) {
  running_allocation a(10'000'000, 3); // 10.00 over usages of 2 and 1
  EXPECT_EQ(a.next(2), 6'666'667);
  EXPECT_EQ(a.next(1), 3'333'333);
  running_allocation none(5, 0);
  EXPECT_EQ(none.next(0), 5);
  EXPECT_EQ(none.next(0), 0);
  std::mt19937_64 rng(7);
  for (int round = 0; round < 2000; ++round) {
    const micros total = static_cast<micros>(rng() % 2'000'000'000'000) - (round % 5 == 0 ? 1'000'000'000'000 : 0);
    std::vector<std::int64_t> weights(1 + rng() % 50);
    std::int64_t sum = 0;
    for (auto& w : weights)
      sum += (w = static_cast<std::int64_t>(rng() % 1000));
    running_allocation r(total, sum);
    micros given = 0;
    for (auto w : weights) {
      const micros share = r.next(w);
      given += share;
      if (sum > 0) {
        const long double exact = static_cast<long double>(total) * w / sum;
        EXPECT_LE(std::abs(static_cast<long double>(share) - exact), 1.0L + 1e-6L) << round;
      }
    }
    ASSERT_EQ(given, total) << "round " << round;
  }
}

} // namespace
} // namespace tunemantra::domain::sales
