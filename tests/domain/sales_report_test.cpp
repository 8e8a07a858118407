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

struct parsed {
  std::vector<usage> rows;
  std::vector<problem> problems;
  summary_map summaries;
};

std::string problems_text(const std::vector<problem>& problems) {
  std::string out;
  for (const auto& p : problems)
    out += "line " + std::to_string(p.line) + ": " + p.message + "\n";
  return out;
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
