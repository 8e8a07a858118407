#include "actors/blocking_job.hpp"

#include <optional>
#include <utility>

#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/ec.hpp"
#include "actors/off_thread.hpp"
#include "persistence/errors.hpp"
#include "persistence/sales_import.hpp"

namespace tunemantra::actors {
namespace {

using self_ptr = job_actor::stateful_pointer<blocking_job_state>;
using nlohmann::json;

/// The id in a sales import's payload (0 when there is none) and its report, if it exists.
std::pair<std::int64_t, std::optional<persistence::sales_report>> report_of(persistence::store& store,
                                                                            const std::string& payload) {
  const auto spec = json::parse(payload, nullptr, false);
  const auto id = spec.is_object() ? spec.value("reportId", std::int64_t{0}) : 0;
  return {id, id > 0 ? store.sales().find_report(id) : std::nullopt};
}

} // namespace

void end_job(persistence::store& store, std::int64_t id, domain::job_update update) {
  try {
    store.update_job(id, update);
  } catch (const persistence::invalid_transition&) {
    // cancelled meanwhile: the cancellation stands
  }
}

void run_sales_import(persistence::store& store, std::int64_t id, const std::string& payload) {
  const auto [report_id, report] = report_of(store, payload);
  if (!report)
    return end_job(store, id, {domain::job_status::failed, "no sales report " + std::to_string(report_id)});
  if (report->status != "importing")
    return end_job(store, id, {domain::job_status::failed, "sales report " + std::to_string(report_id) + " is " + report->status});
  const auto outcome = persistence::import_sales_report(store, *report, [&](std::int64_t done, std::int64_t total) {
    domain::job_update running{domain::job_status::running};
    running.progress = domain::job_progress{total, done, 0};
    try {
      const auto job = store.update_job(id, running);
      return job && job->status == domain::job_status::running;
    } catch (const persistence::invalid_transition&) {
      return false; // cancelled: stop between batches
    }
  });
  if (!outcome.imported && outcome.report.status != "failed") {
    // Stopped by a cancel (the job is already cancelled): fail the report too, so its rows go and
    // it does not hold the file's SHA-256 and MessageId, and the same file may be sent again.
    store.sales().fail_report(report_id, R"([{"line":0,"message":"the import was cancelled"}])");
    return;
  }
  json result = {{"reportId", report_id},
                 {"status", outcome.report.status},
                 {"lines", outcome.lines},
                 {"rows", outcome.report.rows_total},
                 {"unmatchedRows", outcome.report.rows_unmatched},
                 {"problemCount", outcome.problems},
                 {"problems", json::parse(outcome.report.problems)}};
  if (outcome.imported) {
    auto unmatched = json::array();
    for (const auto& r : store.sales().unmatched_rows(report_id, 100))
      unmatched.push_back({{"line", r.usage.line}, {"isrc", r.usage.isrc}, {"upc", r.usage.upc}, {"quantity", r.usage.quantity}});
    result["unmatched"] = std::move(unmatched);
    domain::job_update done{domain::job_status::succeeded};
    done.result = result.dump();
    done.progress = domain::job_progress{outcome.lines, outcome.lines, 0};
    return end_job(store, id, done);
  }
  domain::job_update failed{domain::job_status::failed,
                            "the report was refused: " + std::to_string(outcome.problems) + " problem(s); see result.problems"};
  failed.result = result.dump();
  failed.progress = domain::job_progress{outcome.lines, 0, outcome.lines};
  end_job(store, id, failed);
}

void abandon_job(persistence::store& store, const std::string& kind, std::int64_t id, const std::string& reason) {
  if (kind != "sales_import")
    return;
  const auto job = store.find_job(id);
  if (!job)
    return;
  const auto [report_id, report] = report_of(store, job->payload);
  if (report && report->status == "importing")
    store.sales().fail_report(report_id, json::array({{{"line", 0}, {"message", "the import failed: " + reason}}}).dump());
}

job_actor::behavior_type blocking_job(self_ptr self, job_context ctx, std::int64_t job_id, blocking_work work) {
  init_job_actor(self, ctx, job_id);
  auto* store = ctx.store;
  off_thread(self, [job_id, store](const job_actor& me) {
    const auto job = store->find_job(job_id);
    if (!job || domain::is_terminal(job->status)) {
      caf::anon_send(me, finished_atom::value);
      return;
    }
    begin_attempt(*store, job_id, me);
  });
  return {
    [=](started_atom, const std::string& payload, std::int64_t, std::int64_t) {
      auto* db = self->state.ctx.store;
      const auto id = self->state.job_id;
      off_thread(self, [db, id, payload, work](const job_actor& me) {
        work(*db, id, payload);
        caf::anon_send(me, finished_atom::value);
      });
    },
    [=](step_atom) {},
    [=](done_atom, std::int64_t, bool) {},
    [=](finished_atom) { self->quit(); },
    [=](failed_atom, const std::string& reason, bool transient) { self->quit(job_exit(reason, transient)); },
    [=](lost_atom, const std::string& reason) { self->quit(caf::make_error(ec::lease_lost, reason)); },
  };
}

} // namespace tunemantra::actors
