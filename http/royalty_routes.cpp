// Royalty periods, rates, advances and statements (API.md "Analytics and royalties"):
//   POST/GET /api/royalty-periods, GET /api/royalty-periods/{id},
//   PUT /api/royalty-periods/{id}/rates, POST .../calculate (202 job), POST .../finalize,
//   GET /api/royalty-periods/{id}/statements (JSON, or CSV with ?format=csv or Accept: text/csv),
//   GET /api/royalty-calculations?userId=, POST/GET /api/advances.
// A period belongs to the account that creates it; another account's period answers 404.

#include <httplib.h>

#include "domain/catalog.hpp"
#include "domain/identifiers.hpp"
#include "domain/royalties.hpp"
#include "http/auth.hpp"
#include "http/envelope.hpp"
#include "http/job_view.hpp"
#include "http/query.hpp"
#include "http/router.hpp"
#include "http/services.hpp"
#include "http/validate.hpp"

namespace tunemantra::http {
namespace {

using nlohmann::json;
using domain::sales::format_micros;
using domain::sales::micros;
namespace royalties = domain::royalties;

json money(micros amount, const std::string& currency) {
  return {{"amount", format_micros(amount)}, {"currency", currency}};
}

json payee_json(const royalties::payee& p) {
  return {{"userId", p.user_id ? json(*p.user_id) : json(nullptr)}, {"name", p.user_id ? json(nullptr) : json(p.name)}};
}

json period_json(const persistence::royalty_period& p) {
  const auto self = "/api/royalty-periods/" + std::to_string(p.id);
  json rates = json::object();
  for (const auto& [currency, rate] : p.rates)
    rates[currency] = format_micros(rate);
  const auto totals = json::parse(p.totals, nullptr, false);
  return {{"id", p.id},
          {"start", p.start},
          {"end", p.end},
          {"currency", p.currency},
          {"status", p.status},
          {"commissionBps", p.commission_bps},
          {"minimumPayout", money(p.minimum_payout, p.currency)},
          {"rates", rates},
          {"totals", totals.is_object() && !totals.empty() ? totals : json(nullptr)},
          {"error", p.error.empty() ? json(nullptr) : json(p.error)},
          {"jobId", p.job_id ? json(*p.job_id) : json(nullptr)},
          {"createdAt", domain::format_rfc3339(p.created_at)},
          {"calculatedAt", p.calculated_at ? json(domain::format_rfc3339(*p.calculated_at)) : json(nullptr)},
          {"finalizedAt", p.finalized_at ? json(domain::format_rfc3339(*p.finalized_at)) : json(nullptr)},
          {"links",
           {{"self", self},
            {"statements", self + "/statements"},
            {"job", p.job_id ? json("/api/jobs/" + std::to_string(*p.job_id)) : json(nullptr)}}}};
}

json statement_json(const royalties::payee_statement& st, const std::string& currency) {
  auto lines = json::array();
  for (const auto& l : st.lines)
    lines.push_back({{"recordingId", l.recording_id},
                     {"isrc", l.isrc},
                     {"gross", money(l.gross, currency)},
                     {"commission", money(l.commission, currency)},
                     {"net", money(l.net, currency)},
                     {"shareBps", l.share_bps},
                     {"amount", money(l.amount, currency)}});
  return {{"payee", payee_json(st.to)},
          {"earnings", money(st.earnings, currency)},
          {"carriedIn", money(st.carried_in, currency)},
          {"recouped", money(st.recouped, currency)},
          {"balance", money(st.balance, currency)},
          {"payable", money(st.payable, currency)},
          {"carriedForward", money(st.carried_out, currency)},
          {"advanceRemaining", money(st.advance_left, currency)},
          {"lines", std::move(lines)}};
}

/// A CSV cell: quoted when it holds a comma, quote or line break; a leading = + - @ is defused
/// so a spreadsheet does not run it as a formula.
std::string csv_cell(const std::string& text) {
  std::string v = text;
  if (!v.empty() && (v.front() == '=' || v.front() == '+' || v.front() == '@' || (v.front() == '-' && v.size() > 1 &&
                                                                                   !std::isdigit(static_cast<unsigned char>(v[1])))))
    v.insert(v.begin(), '\'');
  if (v.find_first_of(",\"\r\n") == std::string::npos)
    return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"')
      out += '"';
    out += c;
  }
  return out + "\"";
}

/// One row per payee and recording (record `line`), then the payee's summary rows.
std::string statements_csv(const persistence::royalty_period& p, const std::vector<royalties::payee_statement>& all) {
  std::string out = "period_id,currency,payee_user_id,payee_name,record,recording_id,isrc,gross,commission,net,share_bps,"
                    "amount\r\n";
  for (const auto& st : all) {
    const auto prefix = std::to_string(p.id) + "," + p.currency + "," +
                        (st.to.user_id ? std::to_string(*st.to.user_id) : std::string()) + "," + csv_cell(st.to.name) + ",";
    for (const auto& l : st.lines)
      out += prefix + "line," + std::to_string(l.recording_id) + "," + csv_cell(l.isrc) + "," + format_micros(l.gross) + "," +
             format_micros(l.commission) + "," + format_micros(l.net) + "," + std::to_string(l.share_bps) + "," +
             format_micros(l.amount) + "\r\n";
    const std::pair<const char*, micros> summary[] = {{"earnings", st.earnings},     {"carried_in", st.carried_in},
                                                      {"recouped", st.recouped},     {"balance", st.balance},
                                                      {"payable", st.payable},       {"carried_forward", st.carried_out},
                                                      {"advance_remaining", st.advance_left}};
    for (const auto& [record, amount] : summary)
      out += prefix + record + ",,,,,,," + format_micros(amount) + "\r\n";
  }
  return out;
}

/// payeeUserId (an existing user) or payeeName (1..200 characters), exactly one.
std::optional<royalties::payee> read_payee(json_body& body, services& s) {
  const bool by_user = body.has("payeeUserId"), by_name = body.has("payeeName");
  if (by_user == by_name) {
    body.invalid("payeeUserId", "give exactly one of payeeUserId and payeeName");
    return std::nullopt;
  }
  if (by_user) {
    const auto id = body.integer("payeeUserId", true, 1, std::numeric_limits<std::int64_t>::max());
    if (id && !s.accounts().find_user(*id)) {
      body.invalid("payeeUserId", "no such user");
      return std::nullopt;
    }
    return id ? std::optional<royalties::payee>({*id, ""}) : std::nullopt;
  }
  const auto name = body.string("payeeName", true, 1, 200);
  return name ? std::optional<royalties::payee>({std::nullopt, *name}) : std::nullopt;
}

/// `amount` as a positive decimal string with `currency`, or as a money object {amount, currency}.
std::optional<std::pair<micros, std::string>> read_money(json_body& body) {
  std::string amount_text, currency;
  if (body.has("amount") && body.raw("amount").is_object()) {
    const auto& m = body.raw("amount");
    if (m.contains("amount") && m["amount"].is_string())
      amount_text = m["amount"].get<std::string>();
    if (m.contains("currency") && m["currency"].is_string())
      currency = m["currency"].get<std::string>();
  } else {
    if (body.has("amount") && body.raw("amount").is_string())
      amount_text = body.raw("amount").get<std::string>();
    if (body.has("currency") && body.raw("currency").is_string())
      currency = body.raw("currency").get<std::string>();
  }
  const auto amount = domain::sales::parse_micros(amount_text);
  if (!amount || *amount <= 0)
    body.invalid("amount", "must be a positive decimal string such as \"500.00\" (or {amount, currency})");
  if (!domain::is_currency_code(currency))
    body.invalid("currency", "must be an ISO 4217 code such as EUR");
  if (!body.ok())
    return std::nullopt;
  return std::pair{*amount, currency};
}

std::optional<std::int64_t> own_account(const request_ctx& ctx) {
  return ctx.who->is_admin() ? std::nullopt : std::optional<std::int64_t>{ctx.who->user.id};
}

bool wants_csv(const httplib::Request& req) {
  if (req.has_param("format"))
    return req.get_param_value("format") == "csv";
  return req.get_header_value("Accept").starts_with("text/csv");
}

void add_period_routes(router& r, services& s) {
  r.add("POST", "/api/royalty-periods", access::needs("royalties:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          auto body = json_body::parse(req, res);
          if (!body)
            return;
          const auto start = body->string("start", true, 10, 10);
          const auto end = body->string("end", true, 10, 10);
          const auto currency = body->string("currency", true, 3, 3);
          if (start && !domain::is_calendar_date(*start))
            body->invalid("start", "must be a date YYYY-MM-DD");
          if (end && !domain::is_calendar_date(*end))
            body->invalid("end", "must be a date YYYY-MM-DD");
          if (start && end && body->ok() && *end < *start)
            body->invalid("end", "must not be before start");
          if (currency && !domain::is_currency_code(*currency))
            body->invalid("currency", "must be an ISO 4217 code such as EUR");
          if (body->reply_if_invalid(res))
            return;
          persistence::royalty_period p;
          p.account_id = ctx.who->user.id;
          p.start = *start;
          p.end = *end;
          p.currency = *currency;
          p.commission_bps = s.cfg.royalties.commission_bps;
          p.minimum_payout = domain::sales::parse_micros(s.cfg.royalties.minimum_payout).value_or(0);
          try {
            const auto created = s.store.royalties().create_period(p);
            res.set_header("Location", "/api/royalty-periods/" + std::to_string(created.id));
            send_data(res, 201, period_json(created));
          } catch (const persistence::overlapping_period& e) {
            send_error(res, "CONFLICT", e.what(), {{"existingPeriodId", e.existing()}});
          }
        });

  r.add("GET", "/api/royalty-periods", access::needs("royalties:read"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          query q{req};
          int page = 1, limit = 20;
          q.paging(page, limit);
          if (!q.ok())
            return send_error(res, "VALIDATION_ERROR", "invalid query parameters", q.details());
          std::int64_t total = 0;
          auto items = json::array();
          for (const auto& p : s.store.royalties().list_periods(ctx.who->user.id, page, limit, total))
            items.push_back(period_json(p));
          send_data(res, 200, std::move(items), {{"page", page}, {"limit", limit}, {"total", total}});
        });

  r.add("GET", "/api/royalty-periods/{id}", access::needs("royalties:read"),
        [&s](const httplib::Request&, httplib::Response& res, const request_ctx& ctx) {
          const auto p = s.store.royalties().find_period(std::stoll(ctx.params[0]), own_account(ctx));
          if (!p)
            return send_error(res, "NOT_FOUND", "no royalty period " + ctx.params[0]);
          send_data(res, 200, period_json(*p));
        });

  r.add("PUT", "/api/royalty-periods/{id}/rates", access::needs("royalties:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          const auto p = s.store.royalties().find_period(std::stoll(ctx.params[0]), own_account(ctx));
          if (!p)
            return send_error(res, "NOT_FOUND", "no royalty period " + ctx.params[0]);
          const auto body = json_body::parse_json(req, res);
          if (!body)
            return;
          json problems = json::array();
          std::map<std::string, micros> rates;
          if (!body->is_object() || body->size() > 300)
            problems.push_back({{"field", ""}, {"message", "must be an object of at most 300 {\"USD\": \"0.92\"} rates"}});
          else
            for (const auto& [currency, value] : body->items()) {
              const micros rate = value.is_string() ? domain::sales::parse_micros(value.get<std::string>()).value_or(0) : 0;
              if (!domain::is_currency_code(currency))
                problems.push_back({{"field", currency}, {"message", "is not an ISO 4217 currency code"}});
              else if (currency == p->currency)
                problems.push_back({{"field", currency}, {"message", "is the period's own currency; it needs no rate"}});
              else if (rate <= 0)
                problems.push_back(
                  {{"field", currency}, {"message", "must be a positive decimal string (one " + currency + " in " + p->currency + ")"}});
              else
                rates[currency] = rate;
            }
          if (!problems.empty())
            return send_error(res, "VALIDATION_ERROR", "the rates are not valid", problems);
          try {
            send_data(res, 200, period_json(s.store.royalties().set_rates(p->id, rates)));
          } catch (const persistence::period_state_error& e) {
            send_error(res, "INVALID_STATE", e.what(), {{"status", p->status}});
          }
        });

  r.add("POST", "/api/royalty-periods/{id}/calculate", access::needs("royalties:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          const auto p = s.store.royalties().find_period(std::stoll(ctx.params[0]), own_account(ctx));
          if (!p)
            return send_error(res, "NOT_FOUND", "no royalty period " + ctx.params[0]);
          domain::new_job job;
          job.account_id = p->account_id;
          job.kind = "royalty_calculation";
          try {
            auto [period, queued] = s.store.royalties().start_calculation(p->id, job);
            audit(s, req, ctx.who, "royalty_calculation_started", "royalty_period:" + std::to_string(p->id),
                  {{"jobId", queued.id}});
            s.runtime.nudge();
            res.set_header("Location", "/api/jobs/" + std::to_string(queued.id));
            send_data(res, 202, job_json(queued));
          } catch (const persistence::period_state_error& e) {
            send_error(res, "INVALID_STATE", e.what(), {{"status", p->status}});
          }
        });

  r.add("POST", "/api/royalty-periods/{id}/finalize", access::needs("royalties:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          const auto p = s.store.royalties().find_period(std::stoll(ctx.params[0]), own_account(ctx));
          if (!p)
            return send_error(res, "NOT_FOUND", "no royalty period " + ctx.params[0]);
          try {
            const auto done = s.store.royalties().finalize(p->id);
            audit(s, req, ctx.who, "royalty_period_finalized", "royalty_period:" + std::to_string(p->id),
                  json::parse(done.totals, nullptr, false));
            send_data(res, 200, period_json(done));
          } catch (const persistence::period_state_error& e) {
            send_error(res, "INVALID_STATE", e.what(), {{"status", p->status}});
          }
        });

  r.add("GET", "/api/royalty-periods/{id}/statements", access::needs("royalties:read"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          query q{req};
          const auto payee = q.integer("payeeUserId", 1, std::numeric_limits<std::int64_t>::max());
          if (req.has_param("format") && req.get_param_value("format") != "csv" && req.get_param_value("format") != "json")
            q.invalid("format", "must be json or csv");
          if (!q.ok())
            return send_error(res, "VALIDATION_ERROR", "invalid query parameters", q.details());
          const auto p = s.store.royalties().find_period(std::stoll(ctx.params[0]), own_account(ctx));
          if (!p)
            return send_error(res, "NOT_FOUND", "no royalty period " + ctx.params[0]);
          if (p->status != "calculated" && p->status != "finalized")
            return send_error(res, "INVALID_STATE", "the period has no statements yet: it is " + p->status,
                              {{"status", p->status}});
          const auto all = s.store.royalties().statements(p->id, payee);
          if (wants_csv(req)) {
            res.set_header("Content-Disposition",
                           "attachment; filename=\"royalty-period-" + std::to_string(p->id) + ".csv\"");
            res.status = 200;
            res.set_content(statements_csv(*p, all), "text/csv; charset=utf-8");
            return;
          }
          auto items = json::array();
          for (const auto& st : all)
            items.push_back(statement_json(st, p->currency));
          send_data(res, 200,
                    {{"periodId", p->id},
                     {"start", p->start},
                     {"end", p->end},
                     {"currency", p->currency},
                     {"status", p->status},
                     {"totals", json::parse(p->totals, nullptr, false)},
                     {"statements", std::move(items)}});
        });
}

void add_advance_routes(router& r, services& s) {
  r.add("POST", "/api/advances", access::needs("royalties:write"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          auto body = json_body::parse(req, res);
          if (!body)
            return;
          const auto payee = read_payee(*body, s);
          const auto amount = read_money(*body);
          const auto note = body->has("note") ? body->string("note", false, 0, 500) : std::optional<std::string>("");
          if (body->reply_if_invalid(res) || !payee || !amount)
            return;
          persistence::advance a;
          a.account_id = ctx.who->user.id;
          a.to = *payee;
          a.amount = amount->first;
          a.currency = amount->second;
          a.note = note.value_or("");
          const auto added = s.store.royalties().add_advance(a);
          audit(s, req, ctx.who, "advance_added", "advance:" + std::to_string(added.id),
                {{"amount", format_micros(added.amount)}, {"currency", added.currency}});
          send_data(res, 201,
                    {{"id", added.id},
                     {"payee", payee_json(added.to)},
                     {"amount", money(added.amount, added.currency)},
                     {"note", added.note},
                     {"createdAt", domain::format_rfc3339(added.created_at)}});
        });

  r.add("GET", "/api/advances", access::needs("royalties:read"),
        [&s](const httplib::Request&, httplib::Response& res, const request_ctx& ctx) {
          auto items = json::array();
          for (const auto& a : s.store.royalties().list_advances(ctx.who->user.id))
            items.push_back({{"id", a.id},
                             {"payee", payee_json(a.to)},
                             {"amount", money(a.amount, a.currency)},
                             {"note", a.note},
                             {"createdAt", domain::format_rfc3339(a.created_at)}});
          const auto total = items.size();
          send_data(res, 200, std::move(items), {{"total", total}});
        });

  // A user's statements across periods: their own from every account that pays them, or (for a
  // label) what its own periods owe a user; an admin sees all.
  r.add("GET", "/api/royalty-calculations", access::needs("royalties:read"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          query q{req};
          const auto user = q.integer("userId", 1, std::numeric_limits<std::int64_t>::max()).value_or(ctx.who->user.id);
          if (!q.ok())
            return send_error(res, "VALIDATION_ERROR", "invalid query parameters", q.details());
          const bool self = user == ctx.who->user.id;
          const auto account = self || ctx.who->is_admin() ? std::nullopt : std::optional<std::int64_t>{ctx.who->user.id};
          auto items = json::array();
          for (const auto& [p, st] : s.store.royalties().statements_of_user(user, account)) {
            auto item = statement_json(st, p.currency);
            item["periodId"] = p.id;
            item["accountId"] = p.account_id;
            item["start"] = p.start;
            item["end"] = p.end;
            item["currency"] = p.currency;
            item["status"] = p.status;
            items.push_back(std::move(item));
          }
          const auto total = items.size();
          send_data(res, 200, std::move(items), {{"userId", user}, {"total", total}});
        });
}

} // namespace

void add_royalty_routes(router& r, services& s) {
  add_period_routes(r, s);
  add_advance_routes(r, s);
}

} // namespace tunemantra::http
