// The `royalty_calculation` job: loads one period's inputs, runs domain::royalties::calculate and
// keeps the statements in one transaction. Nothing depends on the clock or on earlier attempts, so
// a calculation killed half way and run again after a restart gives the same statements.

#include <nlohmann/json.hpp>

#include "actors/blocking_job.hpp"
#include "domain/royalties.hpp"

namespace tunemantra::actors {
namespace {

using nlohmann::json;

json money(domain::sales::micros amount, const std::string& currency) {
  return {{"amount", domain::sales::format_micros(amount)}, {"currency", currency}};
}

json totals_json(const domain::royalties::totals& t, const std::string& currency) {
  return {{"gross", money(t.gross, currency)},
          {"commission", money(t.commission, currency)},
          {"allocated", money(t.allocated, currency)},
          {"recouped", money(t.recouped, currency)},
          {"payable", money(t.payable, currency)},
          {"carriedForward", money(t.carried_forward, currency)},
          {"recordings", t.recordings},
          {"payees", t.payees}};
}

} // namespace

void run_royalty_calculation(persistence::store& store, std::int64_t id, const std::string& payload) {
  const auto spec = json::parse(payload, nullptr, false);
  const auto period_id = spec.is_object() ? spec.value("periodId", std::int64_t{0}) : 0;
  auto& royalties = store.royalties();
  const auto period = period_id > 0 ? royalties.find_period(period_id) : std::nullopt;
  if (!period)
    return end_job(store, id, {domain::job_status::failed, "no royalty period " + std::to_string(period_id)});
  if (period->status != "calculating" || period->job_id != id)
    return end_job(store, id,
                   {domain::job_status::failed, "royalty period " + std::to_string(period_id) + " is " + period->status +
                                                  (period->job_id ? " for job " + std::to_string(*period->job_id) : "")});
  domain::royalties::result result;
  try {
    result = domain::royalties::calculate(royalties.load_inputs(*period));
  } catch (const domain::royalties::calculation_error& e) {
    royalties.calculation_failed(period_id, id, e.what());
    return end_job(store, id, {domain::job_status::failed, std::string("the period cannot be calculated: ") + e.what()});
  }
  const auto job = store.find_job(id);
  if (!job || domain::is_terminal(job->status)) { // cancelled while calculating
    royalties.calculation_failed(period_id, id, "the calculation was cancelled");
    return;
  }
  const auto totals = totals_json(result.sum, period->currency);
  if (!royalties.save_result(period_id, id, result, totals.dump()))
    return end_job(store, id, {domain::job_status::failed, "royalty period " + std::to_string(period_id) +
                                                             " changed during the calculation"});
  domain::job_update done{domain::job_status::succeeded};
  done.result = json{{"periodId", period_id}, {"status", "calculated"}, {"totals", totals}}.dump();
  done.progress = domain::job_progress{result.sum.recordings, result.sum.recordings, 0};
  end_job(store, id, done);
}

} // namespace tunemantra::actors
