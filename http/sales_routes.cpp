// Sales reports: POST /api/sales-reports streams a DDEX DSR flat file (text/tab-separated-values)
// or a CSV (text/csv), either of them gzip-compressed or not, to disk while hashing it, refuses a file (or DSR MessageId) the account has
// already sent with 409, and answers 202 with the `sales_import` job that checks and imports it.
// GET /api/sales-reports/{id} shows the report, its problems or its unmatched rows.

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

json report_json(const persistence::sales_report& r) {
  const auto self = "/api/sales-reports/" + std::to_string(r.id);
  return {{"id", r.id},
          {"format", r.format},
          {"sha256", r.sha256},
          {"messageId", r.message_id.empty() ? json(nullptr) : json(r.message_id)},
          {"platform", r.platform},
          {"usageStart", r.usage_start.empty() ? json(nullptr) : json(r.usage_start)},
          {"usageEnd", r.usage_end.empty() ? json(nullptr) : json(r.usage_end)},
          {"status", r.status},
          {"rows", r.rows_total},
          {"unmatchedRows", r.rows_unmatched},
          {"problems", json::parse(r.problems, nullptr, false)},
          {"jobId", r.job_id ? json(*r.job_id) : json(nullptr)},
          {"createdAt", domain::format_rfc3339(r.created_at)},
          {"finishedAt", r.finished_at ? json(domain::format_rfc3339(*r.finished_at)) : json(nullptr)},
          {"links", {{"self", self}, {"job", r.job_id ? json("/api/jobs/" + std::to_string(*r.job_id)) : json(nullptr)}}}};
}

/// The DSR MessageId from the file's HEAD record (the first line that is not a comment).
std::string dsr_message_id(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line) && (line.empty() || line.front() == '#' || line == "\r")) {
  }
  return domain::sales::dsr_message_id(line);
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

/// The first line that is not a comment says which format the content is in.
std::string format_by_content(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line) && (line.empty() || line.front() == '#' || line == "\r")) {
  }
  return line.starts_with("HEAD\t") ? "dsr" : "csv";
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
        kind.format = format_by_content(upload->temp_path());
      const bool dsr = kind.format == "dsr";
      persistence::sales_report report;
      report.account_id = ctx.who->user.id;
      report.format = dsr ? "dsr" : "csv";
      report.sha256 = upload->sha256();
      report.message_id = dsr ? dsr_message_id(upload->temp_path()) : "";
      report.file_path = (s.media.root() / upload->store("sales", dsr ? "tsv" : "csv")).string();
      domain::new_job job;
      job.account_id = ctx.who->user.id;
      job.kind = "sales_import";
      try {
        auto [created, queued] = s.store.sales().create_report(report, job);
        audit(s, req, ctx.who, "sales_report_uploaded", "sales_report:" + std::to_string(created.id),
              {{"sha256", created.sha256}, {"bytes", upload->bytes()}});
        s.runtime.nudge();
        res.set_header("Location", "/api/jobs/" + std::to_string(queued.id));
        send_data(res, 202, {{"report", report_json(created)}, {"job", job_json(queued)}});
      } catch (const persistence::duplicate_report& e) {
        send_error(res, "CONFLICT", e.what(), {{"existingReportId", e.existing()}});
      }
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
              rows.push_back({{"line", u.usage.line}, {"platform", u.usage.platform}, {"territory", u.usage.territory},
                              {"isrc", u.usage.isrc}, {"upc", u.usage.upc}, {"useType", u.usage.use_type},
                              {"quantity", u.usage.quantity},
                              {"revenue", domain::sales::format_micros(u.usage.revenue.value_or(0))},
                              {"currency", u.usage.currency}});
          body["unmatched"] = std::move(rows);
          send_data(res, 200, std::move(body));
        });
}

} // namespace tunemantra::http
