// Analytics over imported sales: GET /api/analytics/tracks/{id} (the track's recording) and
// GET /api/analytics/releases/{id}, with ?from=&to= (usage dates, inclusive) and
// ?groupBy=day|platform|territory. Answers {streams, downloads, quantity, revenue, series}; revenue
// is a list of money amounts, one per currency the platforms reported in (no conversion here:
// rates belong to royalty periods).

#include <httplib.h>

#include "domain/catalog.hpp"
#include "http/auth.hpp"
#include "http/envelope.hpp"
#include "http/router.hpp"
#include "http/services.hpp"

namespace tunemantra::http {
namespace {

using nlohmann::json;

/// from, to and groupBy from the query; answers 400 and returns nullopt when one is wrong.
std::optional<persistence::analytics_scope> read_scope(const httplib::Request& req, httplib::Response& res) {
  persistence::analytics_scope scope;
  auto problems = json::array();
  for (auto [name, target] : {std::pair{"from", &scope.from}, std::pair{"to", &scope.to}})
    if (req.has_param(name)) {
      const auto value = req.get_param_value(name);
      if (!domain::is_calendar_date(value))
        problems.push_back({{"field", name}, {"message", "must be a date YYYY-MM-DD"}});
      else
        *target = value;
    }
  if (problems.empty() && scope.to < scope.from)
    problems.push_back({{"field", "to"}, {"message", "must not be before from"}});
  if (req.has_param("groupBy")) {
    const auto group = req.get_param_value("groupBy");
    if (group == "day")
      scope.group = persistence::analytics_group::day;
    else if (group == "platform")
      scope.group = persistence::analytics_group::platform;
    else if (group == "territory")
      scope.group = persistence::analytics_group::territory;
    else
      problems.push_back({{"field", "groupBy"}, {"message", "must be day, platform or territory"}});
  }
  if (!problems.empty()) {
    send_error(res, "VALIDATION_ERROR", "invalid query parameters", problems);
    return std::nullopt;
  }
  return scope;
}

json revenue_json(const std::map<std::string, domain::sales::micros>& by_currency) {
  auto out = json::array();
  for (const auto& [currency, amount] : by_currency)
    out.push_back({{"amount", domain::sales::format_micros(amount)}, {"currency", currency}});
  return out;
}

/// Buckets (ordered by key, then currency) -> the answer's totals and series.
json analytics_json(const persistence::analytics_scope& scope, const std::vector<persistence::analytics_bucket>& buckets) {
  const char* key_name = scope.group == persistence::analytics_group::day        ? "date"
                         : scope.group == persistence::analytics_group::platform ? "platform"
                                                                                 : "territory";
  std::int64_t streams = 0, downloads = 0, quantity = 0;
  std::map<std::string, domain::sales::micros> revenue;
  auto series = json::array();
  std::size_t i = 0;
  while (i < buckets.size()) {
    const auto& key = buckets[i].key;
    std::int64_t s = 0, d = 0, q = 0;
    std::map<std::string, domain::sales::micros> r;
    for (; i < buckets.size() && buckets[i].key == key; ++i) {
      s += buckets[i].streams;
      d += buckets[i].downloads;
      q += buckets[i].quantity;
      r[buckets[i].currency] += buckets[i].revenue;
      revenue[buckets[i].currency] += buckets[i].revenue;
    }
    streams += s;
    downloads += d;
    quantity += q;
    series.push_back({{key_name, key}, {"streams", s}, {"downloads", d}, {"quantity", q}, {"revenue", revenue_json(r)}});
  }
  return {{"from", scope.from},
          {"to", scope.to},
          {"groupBy", key_name == std::string("date") ? "day" : key_name},
          {"streams", streams},
          {"downloads", downloads},
          {"quantity", quantity},
          {"revenue", revenue_json(revenue)},
          {"series", std::move(series)}};
}

} // namespace

void add_analytics_routes(router& r, services& s) {
  r.add("GET", "/api/analytics/tracks/{id}", access::needs("analytics:read"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          auto scope = read_scope(req, res);
          if (!scope)
            return;
          const auto track = s.store.catalog().find_track(ctx.who->user.id, std::stoll(ctx.params[0]));
          if (!track)
            return send_error(res, "NOT_FOUND", "no track " + ctx.params[0]);
          scope->id = track->recording_id;
          auto body = analytics_json(*scope, s.store.sales().analytics(*scope));
          body["trackId"] = track->id;
          body["recordingId"] = track->recording_id;
          body["isrc"] = track->isrc;
          send_data(res, 200, std::move(body));
        });

  r.add("GET", "/api/analytics/releases/{id}", access::needs("analytics:read"),
        [&s](const httplib::Request& req, httplib::Response& res, const request_ctx& ctx) {
          auto scope = read_scope(req, res);
          if (!scope)
            return;
          const auto release = s.store.catalog().find_release(ctx.who->user.id, std::stoll(ctx.params[0]));
          if (!release)
            return send_error(res, "NOT_FOUND", "no release " + ctx.params[0]);
          scope->release = true;
          scope->id = release->id;
          auto body = analytics_json(*scope, s.store.sales().analytics(*scope));
          body["releaseId"] = release->id;
          body["upc"] = release->upc;
          send_data(res, 200, std::move(body));
        });
}

} // namespace tunemantra::http
