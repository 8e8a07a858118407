#include "domain/royalties.hpp"

#include <algorithm>

namespace tunemantra::domain::royalties {

std::string payee::key() const { return user_id ? "user:" + std::to_string(*user_id) : "name:" + name; }

bool operator<(const payee& a, const payee& b) {
  if (a.user_id.has_value() != b.user_id.has_value())
    return a.user_id.has_value(); // users first
  if (a.user_id)
    return *a.user_id < *b.user_id;
  return a.name < b.name;
}

micros convert(micros amount, micros rate) { return scale_half_even(amount, rate, 1'000'000); }

namespace {

struct accumulating {
  payee_statement statement;
  bool has_lines = false;
};

void check_splits(const inputs& in, std::vector<std::string>& problems) {
  for (const auto& [recording, shares] : in.splits) {
    long total = 0;
    for (const auto& s : shares) {
      if (s.share_bps <= 0)
        problems.push_back("recording " + std::to_string(recording) + " has a share of " + std::to_string(s.share_bps) +
                           " basis points");
      total += s.share_bps;
    }
    if (!shares.empty() && total != 10'000)
      problems.push_back("the splits of recording " + std::to_string(recording) + " add up to " + std::to_string(total) +
                         " basis points, not 10000");
  }
}

} // namespace

result calculate(const inputs& in) {
  if (in.commission_bps < 0 || in.commission_bps > 10'000)
    throw calculation_error("the commission must be 0..10000 basis points");
  std::vector<std::string> problems;
  for (const auto& r : in.recordings)
    for (const auto& [currency, amount] : r.by_currency)
      if (currency != in.currency && !in.rates.contains(currency)) {
        const auto text = "no rate from " + currency + " to " + in.currency;
        if (std::find(problems.begin(), problems.end(), text) == problems.end())
          problems.push_back(text);
      }
  check_splits(in, problems);
  if (!problems.empty()) {
    std::string text;
    for (const auto& p : problems)
      text += (text.empty() ? "" : "; ") + p;
    throw calculation_error(text);
  }

  result out;
  std::map<payee, accumulating> by_payee;
  for (const auto& [who, amount] : in.carried_in)
    if (amount != 0)
      by_payee[who].statement.to = who;

  auto recordings = in.recordings;
  std::sort(recordings.begin(), recordings.end(),
            [](const recording_revenue& a, const recording_revenue& b) { return a.recording_id < b.recording_id; });
  for (const auto& r : recordings) {
    micros gross = 0;
    for (const auto& [currency, amount] : r.by_currency) // std::map: a fixed order, so a fixed rounding
      gross += currency == in.currency ? amount : convert(amount, in.rates.at(currency));
    const micros commission = scale_half_even(gross, in.commission_bps, 10'000);
    const micros net = gross - commission;
    out.sum.gross += gross;
    out.sum.commission += commission;
    out.sum.allocated += net;
    ++out.sum.recordings;

    std::vector<split> shares;
    if (const auto it = in.splits.find(r.recording_id); it != in.splits.end() && !it->second.empty())
      shares = it->second;
    else
      shares = {{in.owner, 10'000}};
    std::vector<std::int64_t> weights;
    for (const auto& s : shares)
      weights.push_back(s.share_bps);
    const auto amounts = sales::allocate(net, weights);
    for (std::size_t i = 0; i < shares.size(); ++i) {
      auto& acc = by_payee[shares[i].to];
      acc.statement.to = shares[i].to;
      acc.has_lines = true;
      acc.statement.lines.push_back({r.recording_id, r.isrc, gross, commission, net, shares[i].share_bps, amounts[i]});
      acc.statement.earnings += amounts[i];
    }
  }

  for (auto& [who, acc] : by_payee) {
    auto& s = acc.statement;
    if (const auto it = in.carried_in.find(who); it != in.carried_in.end())
      s.carried_in = it->second;
    const micros outstanding = [&] {
      const auto it = in.advances_outstanding.find(who);
      return it == in.advances_outstanding.end() ? micros{0} : std::max<micros>(it->second, 0);
    }();
    const micros available = s.earnings + s.carried_in;
    s.recouped = available > 0 ? std::min(outstanding, available) : 0;
    s.advance_left = outstanding - s.recouped;
    s.balance = available - s.recouped;
    if (s.balance >= in.minimum_payout && s.balance > 0)
      s.payable = s.balance;
    else
      s.carried_out = s.balance;
    out.sum.recouped += s.recouped;
    out.sum.payable += s.payable;
    out.sum.carried_forward += s.carried_out;
    out.payees.push_back(std::move(s));
  }
  out.sum.payees = static_cast<std::int64_t>(out.payees.size());
  return out;
}

} // namespace tunemantra::domain::royalties
