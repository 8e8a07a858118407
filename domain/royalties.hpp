#pragma once
// Royalty calculation for one period, as a pure function of its inputs: what each recording
// earned (per currency), the rates into the period's currency, the distributor's commission, each
// recording's splits, every payee's outstanding recoupable advances and the balance carried in
// from the previous period. The store gathers the inputs and keeps the result; nothing here reads
// a clock or a database, so the same inputs always give the same statements, byte for byte.
//
// Money is integer micro-units throughout (domain/sales_report.hpp). Rounding:
// - currency conversion and commission round half to even, once per recording and currency;
// - a recording's net revenue is split over its payees by largest remainder (sales::allocate),
//   so the payees' amounts add up exactly to the net, and all amounts of a period add up exactly
//   to its allocated revenue (gross minus commission).

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "domain/sales_report.hpp"

namespace tunemantra::domain::royalties {

using sales::micros;

/// Who is paid: a user of the daemon, or an outside payee known by name.
struct payee {
  std::optional<std::int64_t> user_id;
  std::string name; ///< for an outside payee; empty for a user
  /// "user:42" or "name:Jane Roe": the key statements are grouped and ordered by.
  std::string key() const;
  friend bool operator<(const payee& a, const payee& b);
  friend bool operator==(const payee& a, const payee& b) = default;
};

struct split {
  payee to;
  int share_bps = 0; ///< basis points; one recording's add up to 10000
};

/// What one recording earned in the period, per currency of the reports.
struct recording_revenue {
  std::int64_t recording_id = 0;
  std::string isrc;
  std::int64_t quantity = 0;
  std::map<std::string, micros> by_currency;
};

struct inputs {
  std::string currency;              ///< the period's currency
  int commission_bps = 0;            ///< the distributor's commission on gross revenue
  micros minimum_payout = 0;         ///< balances below this are carried forward
  std::map<std::string, micros> rates; ///< currency -> value of one unit in the period's currency, in micro-units
  std::vector<recording_revenue> recordings;
  std::map<std::int64_t, std::vector<split>> splits; ///< by recording; none: everything to `owner`
  payee owner;                                       ///< the account whose catalog it is
  std::map<payee, micros> advances_outstanding;      ///< recoupable, in the period's currency
  std::map<payee, micros> carried_in;                ///< from the previous finalized period
};

/// One payee's share of one recording.
struct line {
  std::int64_t recording_id = 0;
  std::string isrc;
  micros gross = 0;      ///< the recording's revenue in the period's currency
  micros commission = 0; ///< the distributor's part of gross
  micros net = 0;        ///< gross - commission: what the splits share
  int share_bps = 0;
  micros amount = 0; ///< this payee's part of net
};

struct payee_statement {
  payee to;
  micros earnings = 0;    ///< the sum of the lines' amounts
  micros carried_in = 0;  ///< below-minimum balance from the previous period
  micros recouped = 0;    ///< taken against outstanding advances
  micros balance = 0;     ///< earnings + carried_in - recouped
  micros payable = 0;     ///< balance when it reaches the minimum payout, else 0
  micros carried_out = 0; ///< balance when below the minimum payout, else 0
  micros advance_left = 0; ///< advances still outstanding after this period
  std::vector<line> lines; ///< by recording id
};

struct totals {
  micros gross = 0, commission = 0, allocated = 0, recouped = 0, payable = 0, carried_forward = 0;
  std::int64_t recordings = 0, payees = 0;
};

struct result {
  totals sum;
  std::vector<payee_statement> payees; ///< ordered by payee (users by id, then names)
};

/// Inputs the calculation cannot use: a currency without a rate, splits that do not add up.
class calculation_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

using sales::scale_half_even;

/// Converts `amount` with a rate in micro-units (1'000'000 is 1:1), half to even.
micros convert(micros amount, micros rate);

/// The whole calculation; throws calculation_error naming every missing rate or bad split.
result calculate(const inputs& in);

} // namespace tunemantra::domain::royalties
