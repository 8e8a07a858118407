// Analytics and royalty periods over real HTTP on both databases: sales imported from CSV, the
// analytics of a track and a release, a period calculated with commission, a currency rate, splits,
// a recouped advance, statements in JSON and CSV that add up exactly, finalize and immutability,
// and a balance below the minimum payout carried into the next period.

#include <gtest/gtest.h>

#include "tests/http/delivery_fixture.hpp"

namespace tunemantra::http {
namespace {

class royalties_api : public delivery_fixture {
protected:
  std::int64_t user_id(const std::string& key) { return body_of(as(key).Get("/api/auth/me"))["data"]["id"].get<std::int64_t>(); }

  json import_csv(const std::string& key, const std::string& csv) {
    auto r = as(key).Post("/api/sales-reports", csv, "text/csv");
    EXPECT_EQ(r->status, 202) << r->body;
    return wait_terminal(key, body_of(r)["data"]["job"]["id"].get<std::int64_t>());
  }

  std::int64_t create_period(const std::string& start, const std::string& end, const std::string& currency) {
    auto r = post(alice_, "/api/royalty-periods", {{"start", start}, {"end", end}, {"currency", currency}});
    EXPECT_EQ(r->status, 201) << r->body;
    return body_of(r)["data"]["id"].get<std::int64_t>();
  }

  json calculate(std::int64_t period) {
    auto r = as(alice_).Post("/api/royalty-periods/" + std::to_string(period) + "/calculate", "", "application/json");
    EXPECT_EQ(r->status, 202) << r->body;
    EXPECT_EQ(body_of(r)["data"]["kind"], "royalty_calculation");
    return wait_terminal(alice_, body_of(r)["data"]["id"].get<std::int64_t>());
  }

  json statements(std::int64_t period) {
    return body_of(as(alice_).Get("/api/royalty-periods/" + std::to_string(period) + "/statements"))["data"];
  }

  static const json& of(const json& all, const json& payee) {
    for (const auto& s : all)
      if (s["payee"] == payee)
        return s;
    static const json none;
    ADD_FAILURE() << "no statement for " << payee.dump() << " in " << all.dump();
    return none;
  }
};

TEST_P(royalties_api, analytics_then_a_period_calculated_finalized_and_carried_forward) {
  const auto release = ready_release(alice_, 2);
  const auto tracks = body_of(as(alice_).Get("/api/releases/" + std::to_string(release) + "/tracks"))["data"];
  const auto t1 = tracks[0]["id"].get<std::int64_t>(), t2 = tracks[1]["id"].get<std::int64_t>();
  const auto isrc1 = tracks[0]["isrc"].get<std::string>(), isrc2 = tracks[1]["isrc"].get<std::string>();
  const auto alice = user_id(alice_), bob = user_id(bob_);
  auto r = as(alice_).Put("/api/tracks/" + std::to_string(t1) + "/splits",
                          json::array({{{"payeeUserId", alice}, {"shareBps", 5000}},
                                       {{"payeeUserId", bob}, {"shareBps", 3000}},
                                       {{"payeeName", "Producer"}, {"shareBps", 2000}}})
                            .dump(),
                          "application/json");
  ASSERT_EQ(r->status, 200) << r->body;

  const auto imported = import_csv(alice_, "platform,period,territory,isrc,upc,use_type,quantity,net_revenue,currency\n"
                                           "StreamCo,2026-10-05,GB," + isrc1 + ",,stream,1000,100.00,EUR\n"
                                           "ShopCo,2026-10-06,US," + isrc1 + ",,download,10,50.00,USD\n"
                                           "StreamCo,2026-10-07,GB," + isrc2 + ",,stream,100,10.00,EUR\n"
                                           "StreamCo,2026-11-02,GB," + isrc2 + ",,stream,50,5.00,EUR\n");
  ASSERT_EQ(imported["status"], "succeeded") << imported.dump();

  // Analytics: per platform for the track, per day for the release (both its tracks).
  auto a = body_of(as(alice_).Get("/api/analytics/tracks/" + std::to_string(t1) +
                                  "?from=2026-10-01&to=2026-10-31&groupBy=platform"))["data"];
  EXPECT_EQ(a["streams"], 1000);
  EXPECT_EQ(a["downloads"], 10);
  EXPECT_EQ(a["revenue"], json::parse(R"([{"amount":"100.000000","currency":"EUR"},{"amount":"50.000000","currency":"USD"}])"));
  ASSERT_EQ(a["series"].size(), 2u);
  EXPECT_EQ(a["series"][0]["platform"], "ShopCo");
  EXPECT_EQ(a["series"][1]["streams"], 1000);
  a = body_of(as(alice_).Get("/api/analytics/releases/" + std::to_string(release)))["data"];
  EXPECT_EQ(a["streams"], 1150);
  ASSERT_EQ(a["series"].size(), 4u);
  EXPECT_EQ(a["series"][0]["date"], "2026-10-05");
  a = body_of(as(alice_).Get("/api/analytics/releases/" + std::to_string(release) + "?groupBy=territory&to=2026-10-31"))["data"];
  EXPECT_EQ(a["series"].size(), 2u);
  EXPECT_EQ(a["streams"], 1100);
  a = body_of(as(alice_).Get("/api/analytics/tracks/" + std::to_string(t2)))["data"];
  EXPECT_EQ(a["streams"], 150);
  EXPECT_EQ(a["revenue"], json::parse(R"([{"amount":"15.000000","currency":"EUR"}])"));
  EXPECT_EQ(as(alice_).Get("/api/analytics/tracks/" + std::to_string(t1) + "?groupBy=week")->status, 400);
  EXPECT_EQ(as(alice_).Get("/api/analytics/tracks/" + std::to_string(t1) + "?from=2026-13-01")->status, 400);
  EXPECT_EQ(as(bob_).Get("/api/analytics/tracks/" + std::to_string(t1))->status, 404);

  // October in EUR: the USD line needs a rate first.
  const auto october = create_period("2026-10-01", "2026-10-31", "EUR");
  EXPECT_EQ(post(alice_, "/api/royalty-periods", {{"start", "2026-10-15"}, {"end", "2026-11-15"}, {"currency", "EUR"}})->status,
            409);
  EXPECT_EQ(post(alice_, "/api/royalty-periods", {{"start", "2026-10-15"}, {"end", "2026-10-01"}, {"currency", "EUR"}})->status,
            400);
  auto job = calculate(october);
  EXPECT_EQ(job["status"], "failed");
  EXPECT_NE(job["error"].get<std::string>().find("no rate from USD to EUR"), std::string::npos) << job.dump();
  const auto path = "/api/royalty-periods/" + std::to_string(october);
  auto period = body_of(as(alice_).Get(path))["data"];
  EXPECT_EQ(period["status"], "open");
  EXPECT_EQ(as(alice_).Get(path + "/statements")->status, 409);

  EXPECT_EQ(as(alice_).Put(path + "/rates", R"({"USD": 0.92})", "application/json")->status, 400);
  EXPECT_EQ(as(alice_).Put(path + "/rates", R"({"XYZ": "1"})", "application/json")->status, 400);
  r = as(alice_).Put(path + "/rates", R"({"USD": "0.92"})", "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(body_of(r)["data"]["rates"]["USD"], "0.920000");
  EXPECT_EQ(post(alice_, "/api/advances", {{"amount", "20.00"}, {"currency", "EUR"}})->status, 400); // no payee
  r = post(alice_, "/api/advances", {{"payeeUserId", bob}, {"amount", {{"amount", "20.00"}, {"currency", "EUR"}}}});
  ASSERT_EQ(r->status, 201) << r->body;

  job = calculate(october);
  ASSERT_EQ(job["status"], "succeeded") << job.dump();
  period = body_of(as(alice_).Get(path))["data"];
  EXPECT_EQ(period["status"], "calculated");
  // 100 EUR + 50 USD at 0.92 + 10 EUR = 156.00 gross; 15 % commission (the default) leaves 132.60.
  EXPECT_EQ(period["totals"]["gross"]["amount"], "156.000000");
  EXPECT_EQ(period["totals"]["commission"]["amount"], "23.400000");
  EXPECT_EQ(period["totals"]["allocated"]["amount"], "132.600000");

  // Track 1 pays Alice 50 %, Bob 30 %, the producer 20 %; track 2's splits (from the fixture) pay
  // everything to "Ada", whose 8.50 is below the minimum payout (10) and is carried forward.
  auto st = statements(october);
  ASSERT_EQ(st["statements"].size(), 4u) << st.dump();
  domain::sales::micros sum = 0;
  for (const auto& s : st["statements"])
    for (const auto& l : s["lines"])
      sum += *domain::sales::parse_micros(l["amount"]["amount"].get<std::string>());
  EXPECT_EQ(sum, 132'600'000);
  EXPECT_EQ(of(st["statements"], {{"userId", alice}, {"name", nullptr}})["payable"]["amount"], "62.050000");
  const auto& b_st = of(st["statements"], {{"userId", bob}, {"name", nullptr}});
  EXPECT_EQ(b_st["earnings"]["amount"], "37.230000");
  EXPECT_EQ(b_st["recouped"]["amount"], "20.000000");
  EXPECT_EQ(b_st["payable"]["amount"], "17.230000");
  EXPECT_EQ(of(st["statements"], {{"userId", nullptr}, {"name", "Producer"}})["payable"]["amount"], "24.820000");
  const auto& ada = of(st["statements"], {{"userId", nullptr}, {"name", "Ada"}});
  EXPECT_EQ(ada["payable"]["amount"], "0.000000");
  EXPECT_EQ(ada["carriedForward"]["amount"], "8.500000");
  EXPECT_EQ(st["totals"]["payable"]["amount"], "104.100000");

  r = as(alice_).Get(path + "/statements?format=csv");
  ASSERT_EQ(r->status, 200);
  EXPECT_TRUE(r->get_header_value("Content-Type").starts_with("text/csv"));
  EXPECT_NE(r->body.find(std::to_string(october) + ",EUR," + std::to_string(bob) + ",,line,"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find(",Producer,payable,,,,,,,24.820000\r\n"), std::string::npos) << r->body;

  // Bob sees his own statement from Alice's period, not the period itself.
  auto mine = body_of(as(bob_).Get("/api/royalty-calculations"))["data"];
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0]["periodId"], october);
  EXPECT_EQ(mine[0]["payable"]["amount"], "17.230000");
  EXPECT_EQ(as(bob_).Get(path)->status, 404);
  EXPECT_EQ(as(bob_).Get(path + "/statements")->status, 404);
  EXPECT_EQ(body_of(as(bob_).Get("/api/royalty-calculations?userId=" + std::to_string(alice)))["data"].size(), 0u);

  // Recalculating gives the same statements, byte for byte; finalizing makes them final.
  const auto before = as(alice_).Get(path + "/statements")->body;
  ASSERT_EQ(calculate(october)["status"], "succeeded");
  EXPECT_EQ(as(alice_).Get(path + "/statements")->body, before);
  r = as(alice_).Post(path + "/finalize", "", "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(body_of(r)["data"]["status"], "finalized");
  r = as(alice_).Post(path + "/calculate", "", "application/json");
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(body_of(r)["error"]["code"], "INVALID_STATE");
  EXPECT_EQ(as(alice_).Post(path + "/finalize", "", "application/json")->status, 409);
  EXPECT_EQ(as(alice_).Put(path + "/rates", R"({"USD": "1"})", "application/json")->status, 409);
  EXPECT_EQ(statements(october)["statements"], json::parse(before)["data"]["statements"]);

  // November: Ada's 4.25 and the 8.50 carried in reach the minimum payout together.
  const auto november = create_period("2026-11-01", "2026-11-30", "EUR");
  ASSERT_EQ(calculate(november)["status"], "succeeded");
  st = statements(november);
  ASSERT_EQ(st["statements"].size(), 1u) << st.dump();
  EXPECT_EQ(st["statements"][0]["payee"]["name"], "Ada");
  EXPECT_EQ(st["statements"][0]["earnings"]["amount"], "4.250000");
  EXPECT_EQ(st["statements"][0]["carriedIn"]["amount"], "8.500000");
  EXPECT_EQ(st["statements"][0]["payable"]["amount"], "12.750000");
  EXPECT_EQ(st["statements"][0]["carriedForward"]["amount"], "0.000000");
  ASSERT_EQ(as(alice_).Post("/api/royalty-periods/" + std::to_string(november) + "/finalize", "", "application/json")->status,
            200);
  const auto december = create_period("2026-12-01", "2026-12-31", "EUR");
  ASSERT_EQ(calculate(december)["status"], "succeeded");
  EXPECT_EQ(statements(december)["statements"].size(), 0u); // nothing earned, nothing carried

  const auto list = body_of(as(alice_).Get("/api/royalty-periods"));
  EXPECT_EQ(list["meta"]["total"], 3);
  EXPECT_EQ(list["data"][0]["id"], december);
  EXPECT_EQ(as(alice_).Get("/api/royalty-periods/999999")->status, 404);
  EXPECT_EQ(body_of(as(alice_).Get("/api/advances"))["data"].size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(backends, royalties_api, test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra::http
