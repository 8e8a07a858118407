#include "persistence/sales_import.hpp"

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

namespace tunemantra::persistence {

namespace sales = domain::sales;

namespace {

/// Feeds every line of `path` to `parser`; a line over 1 MiB is cut (the parser reports it).
template <class Parser>
void feed(const std::string& path, Parser& parser) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read the uploaded report " + path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > (1u << 20))
      line.resize(1u << 20);
    parser.line(line);
  }
  parser.finish();
}

std::string problems_json(const std::vector<sales::problem>& problems) {
  auto out = nlohmann::json::array();
  for (const auto& p : problems)
    out.push_back({{"line", p.line}, {"message", p.message}});
  return out.dump();
}

} // namespace

sales_import_outcome import_sales_report(store& db, const sales_report& report,
                                         const std::function<bool(std::int64_t, std::int64_t)>& progress,
                                         std::size_t batch_rows) {
  sales_import_outcome out;
  const bool dsr = report.format == "dsr";

  // Pass 1: check everything; for a DSR, collect each summary's usages in line order.
  std::map<std::string, std::vector<std::int64_t>> weights;
  std::vector<sales::problem> problems;
  sales::dsr_header header;
  std::map<std::string, sales::summary> summaries;
  if (dsr) {
    sales::dsr_parser check([&](const sales::usage& u) { weights[u.summary_id].push_back(u.quantity); });
    feed(report.file_path, check);
    problems = check.problems();
    out.problems = check.problem_count();
    out.lines = check.lines();
    header = check.header();
    summaries = check.summaries();
  } else {
    sales::csv_parser check([](const sales::usage&) {});
    feed(report.file_path, check);
    problems = check.problems();
    out.problems = check.problem_count();
    out.lines = check.lines();
  }
  if (!problems.empty()) {
    db.sales().fail_report(report.id, problems_json(problems));
    out.report = *db.sales().find_report(report.id);
    return out;
  }

  // The revenue of each summary, split over its rows; handed out in the same order below.
  std::map<std::string, std::vector<sales::micros>> shares;
  std::map<std::string, std::size_t> next;
  for (const auto& [id, w] : weights)
    shares[id] = sales::allocate(summaries.at(id).net_revenue, w);

  // Pass 2: write the rows in batches.
  db.sales().clear_rows(report.id);
  const auto keys = db.sales().load_match_keys(report.account_id);
  std::vector<stored_usage> batch;
  batch.reserve(batch_rows);
  bool stopped = false;
  std::string platform, first_day, last_day;
  const auto flush = [&](std::int64_t line) {
    db.sales().insert_rows(report, batch);
    batch.clear();
    if (!progress(line, out.lines))
      stopped = true;
  };
  const auto take = [&](sales::usage u, std::int64_t line) {
    if (stopped)
      return;
    if (dsr)
      u.revenue = shares[u.summary_id][next[u.summary_id]++];
    if (platform.empty())
      platform = u.platform;
    if (first_day.empty() || u.usage_start < first_day)
      first_day = u.usage_start;
    if (u.usage_end > last_day)
      last_day = u.usage_end;
    batch.push_back(keys.match(std::move(u)));
    if (batch.size() >= batch_rows)
      flush(line);
  };
  if (dsr) {
    sales::dsr_parser write([&](const sales::usage& u) { take(u, u.line); });
    feed(report.file_path, write);
  } else {
    sales::csv_parser write([&](const sales::usage& u) { take(u, u.line); });
    feed(report.file_path, write);
  }
  if (stopped)
    return out;
  flush(out.lines);
  if (stopped)
    return out;
  if (dsr) {
    platform = header.sender;
    first_day = header.usage_start;
    last_day = header.usage_end;
  }
  out.report = db.sales().complete_report(report.id, dsr ? header.message_id : "", platform, first_day, last_day);
  out.imported = true;
  return out;
}

} // namespace tunemantra::persistence
