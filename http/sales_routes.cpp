// Sales reports: POST /api/sales-reports streams a DDEX DSR flat file (text/tab-separated-values)
// or a CSV (text/csv), either of them gzip-compressed or not, to disk while hashing it, refuses a
// file (or DSR MessageId) the account has already sent with 409, and answers 202 with the
// `sales_import` job that checks and imports it. A file of a DSR in several files joins its report,
// which waits (no job yet) until its last file is in. GET /api/sales-reports/{id} shows the
// report, its files, its problems or its unmatched rows.

#include <fstream>

#include <httplib.h>

#include "domain/gunzip.hpp"
#include "domain/sales_report.hpp"
#include "http/auth.hpp"
#include "http/envelope.hpp"
#include "http/job_view.hpp"
#include "http/query.hpp"
#include "http/router.hpp"
#include "http/services.hpp"

namespace tunemantra::http {
namespace {

using nlohmann::json;

/// The files received, and the numbers of those still missing (a report in several files waits for them).
std::pair<json, json> files_json(const persistence::sales_report& r) {
  auto files = json::array(), missing = json::array();
  std::size_t at = 0;
  for (std::int64_t n = 1; n <= r.number_of_files; ++n) {
    if (at < r.files.size() && r.files[at].number == n) {
      const auto& f = r.files[at++];
      files.push_back({{"fileNumber", f.number},
                       {"sha256", f.sha256},
                       {"bytes", f.bytes},
                       {"receivedAt", domain::format_rfc3339(f.received_at)}});
    } else
      missing.push_back(n);
  }
  return {files, missing};
}

json report_json(const persistence::sales_report& r) {
  const auto self = "/api/sales-reports/" + std::to_string(r.id);
  auto [files, missing] = files_json(r);
  return {{"id", r.id},
          {"format", r.format},
          {"sha256", r.sha256},
          {"messageId", r.message_id.empty() ? json(nullptr) : json(r.message_id)},
          {"platform", r.platform},
          {"usageStart", r.usage_start.empty() ? json(nullptr) : json(r.usage_start)},
          {"usageEnd", r.usage_end.empty() ? json(nullptr) : json(r.usage_end)},
          {"status", r.status},
          {"numberOfFiles", r.number_of_files},
          {"files", std::move(files)},
          {"missingFiles", std::move(missing)},
          {"rows", r.rows_total},
          {"unmatchedRows", r.rows_unmatched},
          {"problems", json::parse(r.problems, nullptr, false)},
          {"jobId", r.job_id ? json(*r.job_id) : json(nullptr)},
          {"createdAt", domain::format_rfc3339(r.created_at)},
          {"finishedAt", r.finished_at ? json(domain::format_rfc3339(*r.finished_at)) : json(nullptr)},
          {"links", {{"self", self}, {"job", r.job_id ? json("/api/jobs/" + std::to_string(*r.job_id)) : json(nullptr)}}}};
}

/// The file's first record: its first line that is neither empty nor a comment ("" when none).
std::string first_record(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line) && (line.empty() || line.front() == '#' || line == "\r")) {
  }
  return line;
}

/// `_2of3_` in a DSR file name (DSR Part 1: DSR_..._<x>of<y>_<created>.tsv), if the name has it.
std::optional<std::pair<std::int64_t, std::int64_t>> file_of_name(const std::string& name) {
  for (auto at = name.find('_'); at != std::string::npos; at = name.find('_', at + 1)) {
    const auto end = name.find('_', at + 1);
    if (end == std::string::npos)
      return std::nullopt;
    const auto part = name.substr(at + 1, end - at - 1);
    const auto of = part.find("of");
    if (of == std::string::npos || of == 0 || of + 2 >= part.size() || part.size() > 12)
      continue;
    const auto x = part.substr(0, of), y = part.substr(of + 2);
    if (x.find_first_not_of("0123456789") == std::string::npos && y.find_first_not_of("0123456789") == std::string::npos)
      return std::pair{std::stoll(x), std::stoll(y)};
  }
  return std::nullopt;
}

/// What an upload says it is. A gzip body (application/gzip, Content-Encoding: gzip, or simply
/// gzip's magic bytes) says its format by its file name (report.tsv.gz, in ?filename= or
/// Content-Disposition) or, failing that, by its first line: a DSR begins with HEAD.
struct upload_kind {
  std::string format; ///< dsr or csv; empty: decided by the content
  bool gzip = false;     ///< the body is gzip (its magic bytes; decided on the first two)
  bool declared = false; ///< application/gzip: it had better be
  bool refused = false;
};

std::string file_name_of(const httplib::Request& req) {
  if (req.has_param("filename"))
    return req.get_param_value("filename");
  const auto disposition = req.get_header_value("Content-Disposition");
  const auto at = disposition.find("filename=");
  if (at == std::string::npos)
    return "";
  auto name = disposition.substr(at + 9);
  if (!name.empty() && name.front() == '"')
    name = name.substr(1, name.find('"', 1) - 1);
  return name.substr(0, name.find(';'));
}

upload_kind kind_of(const httplib::Request& req) {
  const auto type = req.get_header_value("Content-Type");
  upload_kind k; // (Content-Encoding: gzip is seen by its bytes, like any gzip body)
  if (type.starts_with("text/tab-separated-values"))
    k.format = "dsr";
  else if (type.starts_with("text/csv"))
    k.format = "csv";
  else if (type.starts_with("application/gzip") || type.starts_with("application/x-gzip")) {
    k.declared = true;
    const auto name = file_name_of(req);
    if (name.ends_with(".tsv.gz") || name.ends_with(".txt.gz"))
      k.format = "dsr";
    else if (name.ends_with(".csv.gz"))
      k.format = "csv";
  } else
    k.refused = true;
  return k;
}

/// 202 for a registered upload: the report, and its import job once it has one (Location: the job,
/// or the report while it waits for more files).
void send_registered(services& s, httplib::Response& res, const persistence::sales_report& report,
                     const std::optional<domain::job>& job) {
  if (job)
    s.runtime.nudge();
  res.set_header("Location", job ? "/api/jobs/" + std::to_string(job->id) : "/api/sales-reports/" + std::to_string(report.id));
  send_data(res, 202, {{"report", report_json(report)}, {"job", job ? job_json(*job) : json(nullptr)}});
}

/// Registers a received file: a report of its own, or one file of a DSR in several files (DSR Part 1
/// §6.3), which waits for the others and imports with the last of them.
void register_report(services& s, const httplib::Request& req, httplib::Response& res, const request_ctx& ctx,
                     persistence::media_files::upload& upload, const std::string& format) {
  const bool dsr = format == "dsr";
  // What the HEAD record says: the message, and which of its files this is.
  const auto head = dsr ? domain::sales::read_dsr_head(first_record(upload.temp_path())) : domain::sales::dsr_file_head{};
  const auto bad_file = [&](const std::string& field, const std::string& message) {
    send_error(res, "VALIDATION_ERROR", message, json::array({{{"field", field}, {"message", message}}}));
  };
  if (head.number_of_files < 1 || head.file_number < 1 || head.file_number > head.number_of_files)
    return bad_file("body", "HEAD FileNumber " + std::to_string(head.file_number) + " of NumberOfFiles " +
                              std::to_string(head.number_of_files) + " names no file of a report");
  if (const auto named = file_of_name(file_name_of(req));
      dsr && named && *named != std::pair{head.file_number, head.number_of_files})
    return bad_file("filename", "the file name says file " + std::to_string(named->first) + " of " +
                                  std::to_string(named->second) + ", its HEAD file " + std::to_string(head.file_number) +
                                  " of " + std::to_string(head.number_of_files));
  persistence::sales_report report;
  report.account_id = ctx.who->user.id;
  report.format = dsr ? "dsr" : "csv";
  report.sha256 = upload.sha256();
  report.message_id = head.message_id;
  report.number_of_files = head.number_of_files;
  report.file_path = (s.media.root() / upload.store("sales", dsr ? "tsv" : "csv")).string();
  const persistence::report_file file{head.file_number, report.sha256, upload.bytes(), report.file_path, 0};
  report.files = {file};
  domain::new_job job;
  job.account_id = ctx.who->user.id;
  job.kind = "sales_import";
  try {
    auto [created, queued] = report.number_of_files > 1 && !report.message_id.empty()
                               ? s.store.sales().add_report_file(report, file, job)
                               : [&] {
                                   auto [one, its_job] = s.store.sales().create_report(report, job);
                                   return std::pair{one, std::optional<domain::job>(its_job)};
                                 }();
    audit(s, req, ctx.who, "sales_report_uploaded", "sales_report:" + std::to_string(created.id),
          {{"sha256", report.sha256}, {"bytes", upload.bytes()}, {"fileNumber", file.number},
           {"numberOfFiles", report.number_of_files}});
    send_registered(s, res, created, queued);
  } catch (const persistence::duplicate_report& e) {
    send_error(res, "CONFLICT", e.what(), {{"existingReportId", e.existing()}});
  }
}

} // namespace

void add_sales_routes(router& r, services& s) {
  r.add_upload(
    "POST", "/api/sales-reports", access::needs("analytics:write"),
    [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx, const body_reader& read) {
      auto kind = kind_of(req);
      if (kind.refused)
        return send_error(res, "UNSUPPORTED_MEDIA_TYPE",
                          "send a DDEX DSR flat file as text/tab-separated-values or the CSV format as text/csv, "
                          "or either gzip-compressed (application/gzip or Content-Encoding: gzip)",
                          {{"contentType", req.get_header_value("Content-Type")}});
      const auto limit = s.cfg.media.max_sales_report_bytes;
      auto upload = s.media.begin(limit);
      // Compressed bytes are inflated as they arrive; the limit holds for the report itself.
      domain::gunzip inflater;
      std::string head; // the first bytes, until gzip's magic can be seen
      bool decided = false;
      auto store = [&](std::string_view data) { return upload->write(data); };
      auto take = [&](std::string_view data) {
        if (!decided) {
          head.append(data);
          if (head.size() < 2)
            return true;
          kind.gzip = domain::looks_gzip(head);
          decided = true;
          if (kind.declared && !kind.gzip)
            return false;
          data = head;
        }
        return kind.gzip ? inflater.feed(data, store) : store(data);
      };
      bool whole = read([&](const char* data, std::size_t size) { return take({data, size}); });
      if (whole && !decided) { // a body of under two bytes: not gzip
        decided = true;
        whole = !kind.declared && store(head);
      }
      if (!whole || !inflater.error().empty()) {
        res.set_header("Connection", "close");
        if (upload->over_limit())
          return send_error(res, "PAYLOAD_TOO_LARGE", "the report is larger than " + std::to_string(limit) + " bytes",
                            {{"limit", limit}});
        if (!inflater.error().empty())
          return send_error(res, "VALIDATION_ERROR", inflater.error(),
                            json::array({{{"field", "body"}, {"message", inflater.error()}}}));
        if (kind.declared && !kind.gzip)
          return send_error(res, "VALIDATION_ERROR", "the body is sent as application/gzip but is not gzip",
                            json::array({{{"field", "body"}, {"message", "not gzip"}}}));
        return send_error(res, "VALIDATION_ERROR", "the upload was cut short, or its Content-Encoding could not be decoded");
      }
      if (kind.gzip && !inflater.complete())
        return send_error(res, "VALIDATION_ERROR", "the gzip stream ends before its end: the file is cut short",
                          json::array({{{"field", "body"}, {"message", "gzip stream incomplete"}}}));
      if (upload->bytes() == 0)
        return send_error(res, "VALIDATION_ERROR", "the body is empty; send the report's bytes",
                          json::array({{{"field", "body"}, {"message", "is empty"}}}));
      upload->finish();
      if (kind.format.empty())
        kind.format = first_record(upload->temp_path()).starts_with("HEAD\t") ? "dsr" : "csv"; // a DSR begins with HEAD
      register_report(s, req, res, ctx, *upload, kind.format);
    },
    static_cast<std::size_t>(s.cfg.media.max_sales_report_bytes));

  r.add("GET", "/api/sales-reports/{id}", access::needs("analytics:read"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          query q{req};
          const auto unmatched = q.integer("unmatched", 0, 1000).value_or(100);
          if (!q.ok())
            return send_error(res, "VALIDATION_ERROR", "invalid query parameters", q.details());
          const auto account = ctx.who->is_admin() ? std::nullopt : std::optional<std::int64_t>{ctx.who->user.id};
          const auto report = s.store.sales().find_report(std::stoll(ctx.params[0]), account);
          if (!report)
            return send_error(res, "NOT_FOUND", "no sales report " + ctx.params[0]);
          auto body = report_json(*report);
          auto rows = json::array();
          if (report->status == "imported" && unmatched > 0)
            for (const auto& u : s.store.sales().unmatched_rows(report->id, static_cast<int>(unmatched)))
              rows.push_back({{"file", u.usage.file}, {"line", u.usage.line}, {"platform", u.usage.platform},
                              {"territory", u.usage.territory}, {"iswc", u.usage.iswc}, {"workTitle", u.usage.work_title},
                              {"isrc", u.usage.isrc}, {"upc", u.usage.upc}, {"useType", u.usage.use_type},
                              {"quantity", u.usage.quantity},
                              {"revenue", domain::sales::format_micros(u.usage.revenue.value_or(0))},
                              {"currency", u.usage.currency}});
          body["unmatched"] = std::move(rows);
          send_data(res, 200, std::move(body));
        });
}

} // namespace tunemantra::http
