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

const std::vector<delivery_status>& cancellable_statuses() {
  static const std::vector<delivery_status> set{delivery_status::pending, delivery_status::scheduled,
                                                delivery_status::takedown_pending};
  return set;
}

std::string status_set_text(const std::vector<delivery_status>& set) {
  std::string out = ",";
  for (const auto s : set)
    out.append(to_string(s)).push_back(',');
  return out;
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

connector_config connector_from_stored(std::string text) {
  connector_config c;
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_object() && j.contains("type") && j["type"].is_string())
    c.type = j["type"].get<std::string>();
  c.settings = std::move(text);
  return c;
}

} // namespace tunemantra::domain
