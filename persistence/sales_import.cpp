#include "persistence/sales_import.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <new>
#include <thread>
#include <map>

#include <nlohmann/json.hpp>

#include "domain/log.hpp"
#include "persistence/lease.hpp"

namespace tunemantra::persistence {

namespace sales = domain::sales;

namespace {

/// Feeds every line of `path` to `parser`, counting the bytes read; a line over 1 MiB is cut (the
/// parser reports it).
template <class Parser>
void feed(const std::string& path, Parser& parser, std::int64_t* bytes_read) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read the uploaded report " + path);
  std::string line;
  while (std::getline(in, line)) {
    *bytes_read += static_cast<std::int64_t>(line.size()) + 1;
    if (line.size() > (1u << 20))
      line.resize(1u << 20);
    parser.line(line);
  }
}

/// The report's files in FileNumber order (a report stored before files were kept: its one file).
std::vector<std::string> paths_of(const sales_report& report) {
  std::vector<std::string> out;
  for (const auto& f : report.files)
    out.push_back(f.path);
  if (out.empty())
    out.push_back(report.file_path);
  return out;
}

/// Writes batches on a thread of its own while the caller parses the next one: at most one batch
/// waits while another is written, so memory stays at two batches. `write` returns false to stop
/// (the job was cancelled); so does an exception, which finish() rethrows. Its writes are fenced
/// by the lease of the thread that made it.
class batch_writer {
public:
  using write_fn = std::function<bool(const std::vector<stored_usage>&, std::int64_t)>;

  explicit batch_writer(write_fn write)
    : write_(std::move(write)),
      lease_(current_lease() ? std::optional<job_lease>(*current_lease()) : std::nullopt),
      thread_([this] {
        fenced_scope fenced{lease_};
        run();
      }) {}
  ~batch_writer() { finish(std::nothrow); }
  batch_writer(const batch_writer&) = delete;
  batch_writer& operator=(const batch_writer&) = delete;

  /// Hands over a batch (waiting while one is already queued); false once writing has stopped.
  bool push(std::vector<stored_usage>&& batch, std::int64_t done) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !queued_ || stopped_; });
    if (stopped_)
      return false;
    next_ = std::move(batch);
    next_done_ = done;
    queued_ = true;
    changed_.notify_all();
    return true;
  }

  /// Waits until every batch is written; true when all were (none refused or failed).
  bool finish() {
    finish(std::nothrow);
    if (error_)
      std::rethrow_exception(error_);
    return !stopped_;
  }

private:
  void finish(std::nothrow_t) {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
      changed_.notify_all();
    }
    if (thread_.joinable())
      thread_.join();
  }

  void run() {
    for (;;) {
      std::vector<stored_usage> batch;
      std::int64_t done = 0;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return queued_ || closing_; });
        if (!queued_)
          return;
        batch = std::move(next_);
        done = next_done_;
        queued_ = false;
        changed_.notify_all();
      }
      bool go_on = false;
      try {
        go_on = write_(batch, done);
      } catch (...) {
        std::lock_guard lock(mutex_);
        error_ = std::current_exception();
      }
      if (!go_on) {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        changed_.notify_all();
        return;
      }
    }
  }

  write_fn write_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<stored_usage> next_;
  std::int64_t next_done_ = 0; ///< the progress the queued batch completes
  bool queued_ = false, closing_ = false, stopped_ = false;
  std::exception_ptr error_;
  std::optional<job_lease> lease_;
  std::thread thread_; // last: starts after the members it uses
};

/// {line, message}, and for a report in several files the file (FileNumber; 0: the report as a whole).
std::string problems_json(const std::vector<sales::problem>& problems, bool several_files) {
  auto out = nlohmann::json::array();
  for (const auto& p : problems) {
    out.push_back({{"line", p.line}, {"message", p.message}});
    if (several_files)
      out.back()["file"] = p.file;
  }
  return out.dump();
}

bool names(std::string_view use_type, std::string_view word) {
  const auto hit = std::search(use_type.begin(), use_type.end(), word.begin(), word.end(),
                               [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return hit != use_type.end();
}

} // namespace

void daily_totals::add(const stored_usage& row) {
  ++rows_;
  if (!row.recording_id && !row.release_id) {
    ++unmatched_;
    return;
  }
  if (overflow_)
    return;
  const auto& u = row.usage;
  std::string key = std::to_string(row.recording_id.value_or(0)) + '\x1f' + std::to_string(row.release_id.value_or(0)) +
                    '\x1f' + u.usage_start + '\x1f' + u.platform + '\x1f' + u.territory + '\x1f' + u.currency;
  auto it = groups_.find(key);
  if (it == groups_.end()) {
    if (groups_.size() >= max_) {
      overflow_ = true; // too many to keep: the store sums the rows instead
      groups_.clear();
      return;
    }
    it = groups_.emplace(std::move(key), daily_total{row.recording_id, row.release_id, u.usage_start, u.platform,
                                                     u.territory, u.currency})
           .first;
  }
  auto& d = it->second;
  d.quantity += u.quantity;
  d.revenue += u.revenue.value_or(0);
  if (names(u.use_type, "stream"))
    d.streams += u.quantity;
  if (names(u.use_type, "download"))
    d.downloads += u.quantity;
}

import_totals daily_totals::take() {
  import_totals out{rows_, unmatched_, {}, !overflow_};
  out.daily.reserve(groups_.size());
  for (auto& [key, d] : groups_)
    out.daily.push_back(std::move(d));
  groups_.clear();
  return out;
}

sales_import_outcome import_sales_report(store& db, const sales_report& report,
                                         const std::function<bool(std::int64_t, std::int64_t)>& progress,
                                         std::size_t batch_rows) {
  sales_import_outcome out;
  const bool dsr = report.format == "dsr";
  const auto started = std::chrono::steady_clock::now();
  const auto ms_since = [](std::chrono::steady_clock::time_point t) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count());
  };

  // One pass checks the file and writes its rows: batches go to the writer's thread while the next
  // one is parsed. Once a problem shows, nothing more is written; a file with any problem is
  // refused whole (fail_report deletes what was written), so no row of it ever counts.
  db.sales().clear_rows(report.id);
  const auto keys = db.sales().load_match_keys(report.account_id);
  const auto paths = paths_of(report);
  std::int64_t file_bytes = 0;
  for (const auto& path : paths) {
    std::error_code size_error;
    file_bytes += static_cast<std::int64_t>(std::filesystem::file_size(path, size_error));
  }
  std::int64_t bytes_read = 0;
  // Progress (bytes of the file written) goes to the job at most every 250 ms: each is a commit.
  auto reported = std::chrono::steady_clock::now();
  batch_writer writer([&](const std::vector<stored_usage>& rows, std::int64_t bytes) {
    db.sales().insert_rows(report, rows);
    const auto now = std::chrono::steady_clock::now();
    if (now - reported < std::chrono::milliseconds(250))
      return true;
    reported = now;
    return progress(bytes, file_bytes);
  });
  std::vector<stored_usage> batch;
  batch.reserve(batch_rows);
  daily_totals totals;
  bool stopped = false;
  std::function<bool()> refused; // the parser has found a problem
  std::string platform, first_day, last_day;
  const auto take = [&](sales::usage u) {
    if (stopped || refused())
      return;
    if (platform.empty())
      platform = u.platform;
    if (first_day.empty() || u.usage_start < first_day)
      first_day = u.usage_start;
    if (u.usage_end > last_day)
      last_day = u.usage_end;
    batch.push_back(keys.match(std::move(u)));
    totals.add(batch.back());
    if (batch.size() >= batch_rows) {
      stopped = !writer.push(std::move(batch), bytes_read);
      batch = {};
      batch.reserve(batch_rows);
    }
  };
  std::vector<sales::problem> problems;
  sales::dsr_header header;
  if (dsr) {
    // Each summary's NetRevenue is split over its usage rows as they come, by running totals
    // (the summaries, with their TotalUsages, come before any usage; a file whose usages do not
    // add up to them is refused).
    std::map<std::string, sales::running_allocation> shares;
    const sales::dsr_parser* parser = nullptr;
    sales::dsr_parser parse([&](const sales::usage& u) {
      if (u.revenue) // the usage carries its own revenue (UGC SU03)
        return take(u);
      auto it = shares.find(u.summary_id);
      if (it == shares.end()) {
        const auto& all = parser->summaries();
        const auto s = all.find(u.summary_id);
        it = shares.emplace(u.summary_id, s == all.end() ? sales::running_allocation(0, 0)
                                                          : sales::running_allocation(s->second.net_revenue,
                                                                                      s->second.total_usages))
               .first;
      }
      auto row = u;
      row.revenue = it->second.next(u.quantity);
      take(std::move(row));
    });
    parser = &parse;
    refused = [&] { return parse.problem_count() > 0; };
    for (std::size_t i = 0; i < paths.size(); ++i) { // a multi-file report is read as one message
      if (i > 0)
        parse.next_file();
      feed(paths[i], parse, &bytes_read);
    }
    parse.finish();
    problems = parse.problems();
    out.problems = parse.problem_count();
    out.lines = parse.lines();
    header = parse.header();
  } else {
    sales::csv_parser parse([&](const sales::usage& u) { take(u); });
    refused = [&] { return parse.problem_count() > 0; };
    feed(paths.front(), parse, &bytes_read);
    parse.finish();
    problems = parse.problems();
    out.problems = parse.problem_count();
    out.lines = parse.lines();
  }
  if (problems.empty() && !stopped && !batch.empty())
    stopped = !writer.push(std::move(batch), bytes_read);
  const bool written = writer.finish();
  if (!problems.empty()) {
    db.sales().fail_report(report.id, problems_json(problems, paths.size() > 1));
    out.report = *db.sales().find_report(report.id);
    return out;
  }
  if (!written || stopped)
    return out;
  log::info("sales report rows written", {{"report", std::to_string(report.id)}, {"lines", std::to_string(out.lines)},
                                          {"ms", ms_since(started)}});
  if (dsr) {
    platform = header.sender;
    first_day = header.usage_start;
    last_day = header.usage_end;
  }
  const auto completing = std::chrono::steady_clock::now();
  const auto counted = totals.take();
  out.report = db.sales().complete_report(report.id, dsr ? header.message_id : "", platform, first_day, last_day, &counted);
  out.imported = true;
  log::info("sales report imported", {{"report", std::to_string(report.id)}, {"rows", std::to_string(out.report.rows_total)},
                                              {"completion_ms", ms_since(completing)}, {"total_ms", ms_since(started)}});
  return out;
}

} // namespace tunemantra::persistence
