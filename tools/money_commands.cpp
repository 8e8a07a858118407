// tmctl's sales and royalties subcommands, over the REST API:
//   sales import FILE... [--format dsr|csv] [--wait], sales show ID
//   royalties periods, royalties create --start --end --currency, royalties show ID,
//   royalties rates ID CUR=RATE..., royalties calculate ID [--wait], royalties finalize ID,
//   royalties statements ID [--csv] [--payee USER], royalties advance (--payee-user|--payee-name) --amount --currency

#include <cctype>
#include <filesystem>
#include <iostream>

#include "domain/text.hpp"
#include "tools/output.hpp"
#include "tools/remote.hpp"

namespace tunemantra::tmctl {
namespace {

std::string money_text(const json& m) {
  return m.is_object() ? text_of(m, "amount") + " " + text_of(m, "currency") : std::string("-");
}

std::string period_path(long long id) { return "/api/royalty-periods/" + std::to_string(id); }

void print_period(const json& p) {
  std::string rates;
  const json all_rates = p.contains("rates") && p["rates"].is_object() ? p["rates"] : json::object();
  for (const auto& [currency, rate] : all_rates.items())
    rates += (rates.empty() ? "" : ", ") + currency + " " + cell(rate);
  std::vector<std::pair<std::string, std::string>> pairs = {
    {"id", cell(p["id"])},
    {"dates", text_of(p, "start") + " .. " + text_of(p, "end")},
    {"currency", text_of(p, "currency")},
    {"status", text_of(p, "status")},
    {"commission", cell(p["commissionBps"]) + " bps"},
    {"minimum payout", money_text(p["minimumPayout"])},
    {"rates", rates.empty() ? "none" : rates},
    {"error", cell(p["error"])}};
  if (p.contains("totals") && p["totals"].is_object())
    for (const auto* key : {"gross", "commission", "allocated", "recouped", "payable", "carriedForward"})
      pairs.emplace_back(key, money_text(p["totals"][key]));
  print_pairs(std::cout, pairs);
}

/// Prints a report's counts, problems (with the file for a report in several files) and unmatched rows.
void print_report_outcome(const json& report) {
  std::cout << "report " << cell(report["id"]) << " " << text_of(report, "status") << ": " << cell(report["rows"])
            << " rows, " << cell(report["unmatchedRows"]) << " unmatched\n";
  const bool several = report.value("numberOfFiles", 1) > 1;
  if (!report["problems"].empty()) {
    std::cout << "problems\n";
    std::vector<column> columns{field("LINE", "line"), field("PROBLEM", "message")};
    if (several)
      columns.insert(columns.begin(), field("FILE", "file"));
    print_table(std::cout, report["problems"], columns);
  }
  if (!report["unmatched"].empty()) {
    std::cout << "unmatched (first 20)\n";
    std::vector<column> columns{field("LINE", "line"), field("ISRC", "isrc"), field("UPC", "upc"),
                                field("QUANTITY", "quantity"), field("REVENUE", "revenue"), field("CURRENCY", "currency")};
    if (several)
      columns.insert(columns.begin(), field("FILE", "file"));
    print_table(std::cout, report["unmatched"], columns);
  }
}

/// Uploads the files of one report in the order given (a DSR in several files: all of them; the
/// report imports with the last one in), each named by its base name so the server can check its
/// `_1of2_` against its HEAD.
int cmd_sales_import(remote_context& ctx, const std::vector<std::string>& files, const std::string& format, bool wait) {
  json last;
  for (const auto& file : files) {
    std::string type = format;
    if (type.empty())
      type = file.ends_with(".csv") || file.ends_with(".CSV") ? "csv" : "dsr";
    const auto path = "/api/sales-reports" + query({{"filename", std::filesystem::path(file).filename().string()}});
    last = ctx.api().upload(path, file, type == "csv" ? "text/csv" : "text/tab-separated-values").data();
    if (ctx.output != "json") {
      std::cout << file << ": sales report " << cell(last["report"]["id"]) << " " << text_of(last["report"], "status");
      if (last["job"].is_object())
        std::cout << "; import job " << cell(last["job"]["id"]);
      else if (!last["report"]["missingFiles"].empty())
        std::cout << "; waiting for file(s) " << last["report"]["missingFiles"].dump();
      std::cout << '\n';
    }
  }
  if (ctx.output == "json" && !wait)
    return print_json(last), exit_ok;
  if (!wait || !last["job"].is_object())
    return exit_ok;
  const int code = watch_job(ctx, last["job"]["id"].get<long long>(), false);
  const auto report = ctx.api().get("/api/sales-reports/" + cell(last["report"]["id"]) + "?unmatched=20").data();
  if (ctx.output == "json")
    return print_json(report), code;
  print_report_outcome(report);
  return code;
}

int cmd_sales_show(remote_context& ctx, long long id) {
  const auto r = ctx.api().get("/api/sales-reports/" + std::to_string(id)).data();
  if (ctx.output == "json")
    return print_json(r), exit_ok;
  print_pairs(std::cout, {{"id", cell(r["id"])},
                          {"format", text_of(r, "format")},
                          {"status", text_of(r, "status")},
                          {"platform", text_of(r, "platform")},
                          {"usage", cell(r["usageStart"]) + " .. " + cell(r["usageEnd"])},
                          {"files", std::to_string(r["files"].size()) + " of " + cell(r["numberOfFiles"]) +
                                      (r["missingFiles"].empty() ? "" : ", missing " + r["missingFiles"].dump())},
                          {"rows", cell(r["rows"]) + " (" + cell(r["unmatchedRows"]) + " unmatched)"},
                          {"job", cell(r["jobId"])}});
  return exit_ok;
}

/// "USD=0.92" pairs -> {"USD": "0.92"}.
json parse_rates(const std::vector<std::string>& pairs) {
  json rates = json::object();
  for (const auto& pair : pairs) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size())
      throw command_error(exit_usage, "a rate is CUR=VALUE, e.g. USD=0.92 (got \"" + pair + "\")");
    auto currency = pair.substr(0, eq);
    for (auto& ch : currency)
      ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    rates[currency] = pair.substr(eq + 1);
  }
  return rates;
}

int cmd_statements(remote_context& ctx, long long id, bool csv, const std::string& payee) {
  const auto path = period_path(id) + "/statements" + query({{"payeeUserId", payee}});
  if (csv) {
    std::cout << ctx.api().get_text(path + (payee.empty() ? "?" : "&") + "format=csv", "text/csv");
    return exit_ok;
  }
  const auto s = ctx.api().get(path).data();
  if (ctx.output == "json")
    return print_json(s), exit_ok;
  std::cout << "period " << id << " (" << text_of(s, "start") << " .. " << text_of(s, "end") << ", " << text_of(s, "status")
            << ")\n";
  print_table(std::cout, s["statements"],
              {{"PAYEE",
                [](const json& st) {
                  const auto& p = st["payee"];
                  return p["userId"].is_null() ? text_of(p, "name") : "user " + p["userId"].dump();
                }},
               {"EARNINGS", [](const json& st) { return money_text(st["earnings"]); }},
               {"CARRIED IN", [](const json& st) { return money_text(st["carriedIn"]); }},
               {"RECOUPED", [](const json& st) { return money_text(st["recouped"]); }},
               {"PAYABLE", [](const json& st) { return money_text(st["payable"]); }},
               {"CARRIED FORWARD", [](const json& st) { return money_text(st["carriedForward"]); }},
               {"LINES", [](const json& st) { return std::to_string(st["lines"].size()); }}});
  return exit_ok;
}

} // namespace

void add_money_commands(CLI::App& app, remote_context& ctx, std::function<int()>& run) {
  struct options {
    long long id = 0;
    std::string file, format, start, end, currency, payee, payee_name, amount, note;
    std::vector<std::string> files;
    long long payee_user = 0;
    std::vector<std::string> rates;
    bool wait = false, csv = false;
  };
  static options o;
  const auto set = [&run](CLI::App* cmd, std::function<int()> fn) { cmd->callback([&run, fn] { run = fn; }); };
  auto& c = ctx;

  auto* sales = app.add_subcommand("sales", "sales reports (DDEX DSR flat files or CSV)");
  sales->require_subcommand(1);
  auto* import = sales->add_subcommand("import", "upload a sales report; its import runs as a job");
  import->add_option("files", o.files, "the report (.tsv/.txt: DSR, .csv: CSV); a DSR in several files: all of them")
    ->required()
    ->check(CLI::ExistingFile);
  import->add_option("--format", o.format, "dsr or csv (default: by the file's extension)")
    ->check(CLI::IsMember({"dsr", "csv"}));
  import->add_flag("--wait", o.wait, "follow the import job and show the report's counts, problems and unmatched rows");
  set(import, [&c] { return cmd_sales_import(c, o.files, o.format, o.wait); });
  auto* show = sales->add_subcommand("show", "one sales report");
  show->add_option("id", o.id, "report id")->required();
  set(show, [&c] { return cmd_sales_show(c, o.id); });

  auto* roy = app.add_subcommand("royalties", "royalty periods, rates, calculations, statements and advances");
  roy->require_subcommand(1);
  set(roy->add_subcommand("periods", "the account's royalty periods"), [&c] {
    const auto list = c.api().get("/api/royalty-periods?limit=100").data();
    if (c.output == "json")
      return print_json(list), exit_ok;
    print_table(std::cout, list,
                {field("ID", "id"), field("START", "start"), field("END", "end"), field("CURRENCY", "currency"),
                 field("STATUS", "status"),
                 {"PAYABLE", [](const json& p) { return p["totals"].is_object() ? money_text(p["totals"]["payable"]) : "-"; }}});
    return exit_ok;
  });
  auto* create = roy->add_subcommand("create", "open a royalty period");
  create->add_option("--start", o.start, "first day, YYYY-MM-DD")->required();
  create->add_option("--end", o.end, "last day, YYYY-MM-DD")->required();
  create->add_option("--currency", o.currency, "ISO 4217 code, e.g. EUR")->required();
  set(create, [&c] {
    const auto p = c.api().post("/api/royalty-periods", {{"start", o.start}, {"end", o.end}, {"currency", o.currency}}).data();
    return c.output == "json" ? (print_json(p), exit_ok) : (print_period(p), exit_ok);
  });
  auto* pshow = roy->add_subcommand("show", "one royalty period with its totals");
  pshow->add_option("id", o.id, "period id")->required();
  set(pshow, [&c] {
    const auto p = c.api().get(period_path(o.id)).data();
    return c.output == "json" ? (print_json(p), exit_ok) : (print_period(p), exit_ok);
  });
  auto* rates = roy->add_subcommand("rates", "set the period's currency rates, e.g. USD=0.92 GBP=1.15");
  rates->add_option("id", o.id, "period id")->required();
  rates->add_option("rates", o.rates, "CUR=VALUE: one CUR in the period's currency")->required();
  set(rates, [&c] {
    const auto p = c.api().call("PUT", period_path(o.id) + "/rates", parse_rates(o.rates)).data();
    return c.output == "json" ? (print_json(p), exit_ok) : (print_period(p), exit_ok);
  });
  auto* calc = roy->add_subcommand("calculate", "calculate (or recalculate) a period as a job");
  calc->add_option("id", o.id, "period id")->required();
  calc->add_flag("--wait", o.wait, "follow the job to its end");
  set(calc, [&c] {
    const auto job = c.api().post(period_path(o.id) + "/calculate", json::object()).data();
    std::cout << "royalty calculation job " << cell(job["id"]) << '\n';
    return o.wait ? watch_job(c, job["id"].get<long long>(), false) : exit_ok;
  });
  auto* fin = roy->add_subcommand("finalize", "finalize a calculated period (its statements no longer change)");
  fin->add_option("id", o.id, "period id")->required();
  set(fin, [&c] {
    const auto p = c.api().post(period_path(o.id) + "/finalize", json::object()).data();
    return c.output == "json" ? (print_json(p), exit_ok) : (print_period(p), exit_ok);
  });
  auto* st = roy->add_subcommand("statements", "a period's statements per payee");
  st->add_option("id", o.id, "period id")->required();
  st->add_flag("--csv", o.csv, "print the CSV statement (every line per payee and recording)");
  st->add_option("--payee", o.payee, "only this user id's statement");
  set(st, [&c] { return cmd_statements(c, o.id, o.csv, o.payee); });
  auto* adv = roy->add_subcommand("advance", "record a recoupable advance to a payee");
  auto* by_user = adv->add_option("--payee-user", o.payee_user, "the payee's user id");
  auto* by_name = adv->add_option("--payee-name", o.payee_name, "an outside payee's name");
  by_user->excludes(by_name);
  adv->add_option("--amount", o.amount, "a decimal amount, e.g. 500.00")->required();
  adv->add_option("--currency", o.currency, "ISO 4217 code")->required();
  adv->add_option("--note", o.note, "what it was for");
  set(adv, [&c] {
    json body = {{"amount", o.amount}, {"currency", o.currency}, {"note", o.note}};
    if (o.payee_user > 0)
      body["payeeUserId"] = o.payee_user;
    else if (!o.payee_name.empty())
      body["payeeName"] = o.payee_name;
    else
      throw command_error(exit_usage, "give --payee-user or --payee-name");
    const auto a = c.api().post("/api/advances", body).data();
    if (c.output == "json")
      return print_json(a), exit_ok;
    std::cout << "advance " << cell(a["id"]) << ": " << money_text(a["amount"]) << '\n';
    return exit_ok;
  });
}

} // namespace tunemantra::tmctl
