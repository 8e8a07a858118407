#pragma once
// Royalty periods, their currency rates, recoupable advances and calculated statements
// (migration 0010). A period moves open -> calculating -> calculated -> finalized; the
// `royalty_calculation` job reads its inputs (load_inputs), runs domain::royalties::calculate and
// keeps the statements in one transaction (save_result), so a crash mid-calculation leaves the
// period `calculating` with its old statements gone or whole, never half written.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/job.hpp"
#include "domain/royalties.hpp"
#include "persistence/errors.hpp"

namespace tunemantra::persistence {

using domain::sales::micros;

struct royalty_period {
  std::int64_t id = 0;
  std::int64_t account_id = 0;
  std::string start, end; ///< YYYY-MM-DD, both inclusive
  std::string currency;
  std::string status = "open"; ///< open, calculating, calculated, finalized
  int commission_bps = 0;
  micros minimum_payout = 0;
  std::optional<std::int64_t> job_id;
  std::string totals = "{}"; ///< JSON object, set by a calculation
  std::string error;         ///< why the last calculation failed
  std::map<std::string, micros> rates;
  domain::millis created_at = 0;
  std::optional<domain::millis> calculated_at, finalized_at;
};

struct advance {
  std::int64_t id = 0;
  std::int64_t account_id = 0;
  domain::royalties::payee to;
  micros amount = 0;
  std::string currency;
  std::string note;
  domain::millis created_at = 0;
};

/// A payee's statement with the period it belongs to (royalty calculations by user).
struct period_statement {
  royalty_period period;
  domain::royalties::payee_statement statement;
};

/// The period's state forbids this (finalized, or a calculation running): 409 INVALID_STATE.
class period_state_error : public invalid_transition {
public:
  using invalid_transition::invalid_transition;
};

/// The account already has a period overlapping these dates: 409 CONFLICT.
class overlapping_period : public store_error {
public:
  overlapping_period(const std::string& what, std::int64_t existing) : store_error(what), existing_(existing) {}
  std::int64_t existing() const { return existing_; }

private:
  std::int64_t existing_;
};

class royalty_store {
public:
  virtual ~royalty_store() = default;

  virtual royalty_period create_period(const royalty_period& p) = 0;
  virtual std::optional<royalty_period> find_period(std::int64_t id, std::optional<std::int64_t> account = {}) = 0;
  /// The account's periods, newest start first; `total` gets how many there are.
  virtual std::vector<royalty_period> list_periods(std::int64_t account, int page, int limit, std::int64_t& total) = 0;
  /// Replaces the period's rates; throws period_state_error unless open or calculated.
  virtual royalty_period set_rates(std::int64_t id, const std::map<std::string, micros>& rates) = 0;
  /// Moves the period to calculating and queues its job, in one transaction. Allowed from open and
  /// calculated, and from calculating when its job has ended (cancelled, crashed out).
  virtual std::pair<royalty_period, domain::job> start_calculation(std::int64_t id, domain::new_job job) = 0;
  /// calculated -> finalized; anything else throws period_state_error.
  virtual royalty_period finalize(std::int64_t id) = 0;

  /// What the calculation needs: matched usage in the period (imported reports only), rates,
  /// splits, advances outstanding in the period's currency and the balances carried in.
  virtual domain::royalties::inputs load_inputs(const royalty_period& p) = 0;
  /// Keeps the statements and moves the period to calculated, if it is still calculating for
  /// `job`; returns false (and writes nothing) otherwise.
  virtual bool save_result(std::int64_t period, std::int64_t job, const domain::royalties::result& r,
                           const std::string& totals_json) = 0;
  /// Back to open with the reason, if still calculating for `job`.
  virtual void calculation_failed(std::int64_t period, std::int64_t job, const std::string& error) = 0;

  /// The period's statements by payee (each with its lines), in payee order; with `user`, only
  /// that user's.
  virtual std::vector<domain::royalties::payee_statement> statements(std::int64_t period,
                                                                     std::optional<std::int64_t> user = {}) = 0;
  /// A user's statements in calculated and finalized periods, newest first; with `account`, only
  /// periods of that account.
  virtual std::vector<period_statement> statements_of_user(std::int64_t user, std::optional<std::int64_t> account) = 0;

  virtual advance add_advance(const advance& a) = 0;
  virtual std::vector<advance> list_advances(std::int64_t account) = 0;
};

} // namespace tunemantra::persistence
