// Royalty calculation: worked examples (commission, conversion, splits, advances, minimum payout,
// carry-forward) and a property test that amounts always add up exactly.

#include <random>

#include <gtest/gtest.h>

#include "domain/royalties.hpp"

namespace tunemantra::domain::royalties {
namespace {

payee user(std::int64_t id) { return {id, ""}; }
payee named(std::string name) { return {std::nullopt, std::move(name)}; }

TEST(royalties, rounding_is_half_to_even) {
  EXPECT_EQ(scale_half_even(15, 1, 10), 2);  // 1.5 -> 2
  EXPECT_EQ(scale_half_even(25, 1, 10), 2);  // 2.5 -> 2
  EXPECT_EQ(scale_half_even(26, 1, 10), 3);
  EXPECT_EQ(scale_half_even(-15, 1, 10), -2);
  EXPECT_EQ(scale_half_even(-25, 1, 10), -2);
  EXPECT_EQ(convert(10'000'000, 920'000), 9'200'000);   // 10 USD at 0.92
  EXPECT_EQ(convert(1, 500'000), 0);                    // 0.5 micro -> even 0
  EXPECT_EQ(convert(3, 500'000), 2);                    // 1.5 micro -> 2
  EXPECT_EQ(convert(9'000'000'000'000, 1'500'000), 13'500'000'000'000); // no overflow
}

TEST(royalties, worked_example_with_commission_conversion_splits_advance_and_minimum) {
  inputs in;
  in.currency = "EUR";
  in.commission_bps = 1500; // 15 %
  in.minimum_payout = 5'000'000;
  in.rates = {{"USD", 920'000}};
  in.owner = user(1);
  // Recording 10: 100 EUR + 50 USD (= 46 EUR) = 146 EUR; commission 21.90; net 124.10.
  in.recordings.push_back({10, "GBAYE0000001", 1000, {{"EUR", 100'000'000}, {"USD", 50'000'000}}});
  // Recording 11: 10 EUR, no splits: all of the net (8.50) to the owner.
  in.recordings.push_back({11, "GBAYE0000002", 100, {{"EUR", 10'000'000}}});
  in.splits[10] = {{user(2), 3333}, {user(3), 3333}, {named("Producer"), 3334}};
  in.advances_outstanding[user(2)] = 30'000'000;
  in.carried_in[named("Producer")] = 1'000'000;

  const auto r = calculate(in);
  EXPECT_EQ(r.sum.gross, 156'000'000);
  EXPECT_EQ(r.sum.commission, 23'400'000);
  EXPECT_EQ(r.sum.allocated, 132'600'000);
  ASSERT_EQ(r.payees.size(), 4u); // users 1, 2, 3, then Producer
  EXPECT_EQ(r.payees[0].to, user(1));
  EXPECT_EQ(r.payees[0].earnings, 8'500'000);
  EXPECT_EQ(r.payees[0].payable, 8'500'000);
  // 124.10 * 0.3333 = 41.36253 each for users 2 and 3, 41.37494 for the producer: 124.10 exactly.
  const auto& u2 = r.payees[1];
  const auto& u3 = r.payees[2];
  const auto& producer = r.payees[3];
  EXPECT_EQ(u2.lines.at(0).net, 124'100'000);
  EXPECT_EQ(u2.earnings + u3.earnings + producer.earnings, 124'100'000);
  EXPECT_EQ(u2.earnings, 41'362'530);
  EXPECT_EQ(producer.earnings, 41'374'940);
  // User 2's advance of 30 is recouped in full; the rest is payable.
  EXPECT_EQ(u2.recouped, 30'000'000);
  EXPECT_EQ(u2.advance_left, 0);
  EXPECT_EQ(u2.payable, 11'362'530);
  EXPECT_EQ(producer.carried_in, 1'000'000);
  EXPECT_EQ(producer.payable, 42'374'940);
  EXPECT_EQ(r.sum.recouped, 30'000'000);
  EXPECT_EQ(r.sum.payable + r.sum.recouped + r.sum.carried_forward, r.sum.allocated + 1'000'000);
}

TEST(royalties, balances_below_the_minimum_are_carried_and_advances_partly_recouped) {
  inputs in;
  in.currency = "USD";
  in.minimum_payout = 50'000'000;
  in.owner = user(1);
  in.recordings.push_back({5, "X", 1, {{"USD", 20'000'000}}});
  in.advances_outstanding[user(1)] = 15'000'000;
  auto r = calculate(in);
  ASSERT_EQ(r.payees.size(), 1u);
  EXPECT_EQ(r.payees[0].recouped, 15'000'000);
  EXPECT_EQ(r.payees[0].balance, 5'000'000);
  EXPECT_EQ(r.payees[0].payable, 0);
  EXPECT_EQ(r.payees[0].carried_out, 5'000'000);

  in.advances_outstanding[user(1)] = 100'000'000;
  r = calculate(in);
  EXPECT_EQ(r.payees[0].recouped, 20'000'000);
  EXPECT_EQ(r.payees[0].advance_left, 80'000'000);
  EXPECT_EQ(r.payees[0].balance, 0);

  // A payee with only a carried balance still gets a statement (and carries it again).
  in.recordings.clear();
  in.advances_outstanding.clear();
  in.carried_in[named("Old")] = 3'000'000;
  r = calculate(in);
  ASSERT_EQ(r.payees.size(), 1u);
  EXPECT_EQ(r.payees[0].carried_out, 3'000'000);
}

TEST(royalties, missing_rates_and_bad_splits_are_named) {
  inputs in;
  in.currency = "EUR";
  in.owner = user(1);
  in.recordings.push_back({1, "A", 1, {{"USD", 1}, {"GBP", 1}}});
  in.recordings.push_back({2, "B", 1, {{"USD", 1}}});
  in.splits[2] = {{user(2), 5000}, {user(3), 4000}};
  try {
    calculate(in);
    FAIL() << "expected calculation_error";
  } catch (const calculation_error& e) {
    const std::string text = e.what();
    EXPECT_NE(text.find("no rate from GBP to EUR"), std::string::npos) << text;
    EXPECT_NE(text.find("no rate from USD to EUR"), std::string::npos) << text;
    EXPECT_EQ(text.find("USD to EUR", text.find("USD to EUR") + 1), std::string::npos) << "named once: " << text;
    EXPECT_NE(text.find("recording 2 add up to 9000"), std::string::npos) << text;
  }
}

TEST(royalties, property_amounts_always_add_up_exactly) {
  std::mt19937_64 rng(20261202);
  for (int round = 0; round < 500; ++round) {
    inputs in;
    in.currency = "EUR";
    in.commission_bps = static_cast<int>(rng() % 10'001);
    in.minimum_payout = static_cast<micros>(rng() % 50'000'000);
    in.rates = {{"USD", static_cast<micros>(1 + rng() % 3'000'000)}, {"JPY", static_cast<micros>(1 + rng() % 10'000)}};
    in.owner = user(1);
    const int recordings = 1 + static_cast<int>(rng() % 20);
    for (int i = 0; i < recordings; ++i) {
      recording_revenue r{i + 1, "R" + std::to_string(i), 1, {}};
      for (const char* c : {"EUR", "USD", "JPY"})
        if (rng() % 2)
          r.by_currency[c] = static_cast<micros>(rng() % 1'000'000'000'000) - (rng() % 10 == 0 ? 500'000'000 : 0);
      in.recordings.push_back(r);
      if (rng() % 3) {
        const int payees = 1 + static_cast<int>(rng() % 6);
        std::vector<std::int64_t> weights;
        for (int p = 0; p < payees; ++p)
          weights.push_back(1 + static_cast<std::int64_t>(rng() % 100));
        // Basis points that add up to 10000, each at least 1.
        auto bps = sales::allocate(10'000 - payees, weights);
        for (int p = 0; p < payees; ++p)
          in.splits[i + 1].push_back({p % 2 ? user(2 + p) : named("P" + std::to_string(p)), static_cast<int>(bps[p] + 1)});
      }
    }
    const auto r = calculate(in);
    micros amounts = 0, per_line_net = 0, payable = 0, carried = 0, recouped = 0;
    std::map<std::int64_t, micros> by_recording;
    for (const auto& p : r.payees) {
      micros earnings = 0;
      for (const auto& l : p.lines) {
        amounts += l.amount;
        earnings += l.amount;
        by_recording[l.recording_id] += l.amount;
        EXPECT_EQ(l.net, l.gross - l.commission);
      }
      EXPECT_EQ(earnings, p.earnings);
      EXPECT_EQ(p.balance, p.earnings + p.carried_in - p.recouped);
      EXPECT_EQ(p.payable + p.carried_out, p.balance);
      payable += p.payable;
      carried += p.carried_out;
      recouped += p.recouped;
    }
    for (const auto& p : r.payees)
      for (const auto& l : p.lines)
        if (by_recording.contains(l.recording_id)) {
          EXPECT_EQ(by_recording[l.recording_id], l.net) << "recording " << l.recording_id;
          per_line_net += l.net;
          by_recording.erase(l.recording_id);
        }
    ASSERT_EQ(amounts, r.sum.allocated) << "round " << round;
    EXPECT_EQ(per_line_net, r.sum.allocated);
    EXPECT_EQ(r.sum.gross - r.sum.commission, r.sum.allocated);
    EXPECT_EQ(payable, r.sum.payable);
    EXPECT_EQ(carried, r.sum.carried_forward);
    EXPECT_EQ(recouped, r.sum.recouped);
    EXPECT_EQ(calculate(in).sum.allocated, r.sum.allocated); // deterministic
  }
}

} // namespace
} // namespace tunemantra::domain::royalties
