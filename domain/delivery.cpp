#include "domain/delivery.hpp"

#include <array>

#include <nlohmann/json.hpp>

namespace tunemantra::domain {
namespace {

constexpr std::array<std::pair<delivery_status, std::string_view>, 10> status_names{{
  {delivery_status::pending, "pending"},
  {delivery_status::scheduled, "scheduled"},
  {delivery_status::delivering, "delivering"},
  {delivery_status::delivered, "delivered"},
  {delivery_status::acknowledged, "acknowledged"},
  {delivery_status::rejected, "rejected"},
  {delivery_status::failed, "failed"},
  {delivery_status::cancelled, "cancelled"},
  {delivery_status::takedown_pending, "takedown_pending"},
  {delivery_status::taken_down, "taken_down"},
}};

} // namespace

std::string_view to_string(delivery_status s) {
  for (const auto& [status, name] : status_names)
    if (status == s)
      return name;
  return "pending";
}

std::optional<delivery_status> parse_delivery_status(std::string_view text) {
  for (const auto& [status, name] : status_names)
    if (name == text)
      return status;
  return std::nullopt;
}

bool is_live(delivery_status s) {
  return s == delivery_status::pending || s == delivery_status::scheduled || s == delivery_status::delivering
         || s == delivery_status::delivered || s == delivery_status::acknowledged;
}

bool is_settled(delivery_status s) {
  switch (s) {
  case delivery_status::pending:
  case delivery_status::scheduled:
  case delivery_status::delivering:
  case delivery_status::takedown_pending:
    return false;
  default:
    return true;
  }
}

std::string connector_to_json(const connector_config& c) {
  nlohmann::json j = {{"type", c.type}};
  if (c.type == "ddex-folder") {
    j["path"] = c.path;
    j["ackPath"] = c.ack_path;
    j["recipientDpid"] = c.recipient_dpid;
    j["recipientName"] = c.recipient_name;
    nlohmann::json deals = nlohmann::json::array();
    for (const auto& d : c.deals)
      deals.push_back({{"commercialModels", d.commercial_models}, {"useTypes", d.use_types}});
    j["deals"] = std::move(deals);
  } else {
    j["url"] = c.url;
    j["authHeader"] = c.auth_header;
    j["timeoutMs"] = c.timeout_ms;
  }
  return j.dump();
}

std::optional<connector_config> connector_from_json(std::string_view text, std::string& error) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) {
    error = "connector must be an object with a type (ddex-folder or http)";
    return std::nullopt;
  }
  connector_config c;
  c.type = j["type"].get<std::string>();
  auto str = [&](const char* key, std::string& out, bool required) {
    if (j.contains(key) && j[key].is_string() && !j[key].get<std::string>().empty()) {
      out = j[key].get<std::string>();
      return true;
    }
    if (required)
      error = std::string("connector.") + key + " is required";
    return !required;
  };
  if (c.type == "ddex-folder") {
    if (!str("path", c.path, true) || !str("ackPath", c.ack_path, true) || !str("recipientDpid", c.recipient_dpid, true)
        || !str("recipientName", c.recipient_name, true))
      return std::nullopt;
    if (c.path.front() != '/' || c.ack_path.front() != '/') {
      error = "connector.path and connector.ackPath must be absolute";
      return std::nullopt;
    }
    if (j.contains("deals") && !j["deals"].is_null()) {
      if (!j["deals"].is_array()) {
        error = "connector.deals must be an array of {commercialModels, useTypes}";
        return std::nullopt;
      }
      for (const auto& d : j["deals"]) {
        ern_deal deal;
        if (!d.is_object() || !d.contains("commercialModels") || !d.contains("useTypes")
            || !d["commercialModels"].is_array() || !d["useTypes"].is_array() || d["commercialModels"].empty()
            || d["useTypes"].empty()) {
          error = "each of connector.deals needs commercialModels and useTypes";
          return std::nullopt;
        }
        for (const auto& cm : d["commercialModels"])
          if (cm.is_string())
            deal.commercial_models.push_back(cm.get<std::string>());
        for (const auto& use : d["useTypes"])
          if (use.is_string())
            deal.use_types.push_back(use.get<std::string>());
        c.deals.push_back(std::move(deal));
      }
    }
    return c;
  }
  if (c.type == "http") {
    if (!str("url", c.url, true))
      return std::nullopt;
    if (!c.url.starts_with("http://") && !c.url.starts_with("https://")) {
      error = "connector.url must start with http:// or https://";
      return std::nullopt;
    }
    str("authHeader", c.auth_header, false);
    if (j.contains("timeoutMs")) {
      if (!j["timeoutMs"].is_number_integer() || j["timeoutMs"].get<long long>() < 100 || j["timeoutMs"].get<long long>() > 600'000) {
        error = "connector.timeoutMs must be 100 to 600000";
        return std::nullopt;
      }
      c.timeout_ms = j["timeoutMs"].get<int>();
    }
    return c;
  }
  error = "connector.type must be ddex-folder or http";
  return std::nullopt;
}

} // namespace tunemantra::domain
