#include "actors/connectors/registry.hpp"

#include <array>

#include "actors/connector_error.hpp"

namespace tunemantra::actors {

std::string connector::send_batch(std::span<const send_request> requests) const {
  if (requests.size() != 1)
    throw std::logic_error(std::string(type()) + " sends one release per batch");
  return send(requests.front());
}

std::span<const connector* const> connectors() {
  static const std::array<const connector*, 3> table{&ddex_folder(), &sftp(), &http_post()};
  return table;
}

const connector* find_connector(std::string_view type) {
  for (const auto* c : connectors())
    if (c->type() == type)
      return c;
  return nullptr;
}

const connector& connector_of(const domain::platform& p) {
  if (const auto* c = find_connector(p.connector.type))
    return *c;
  throw permanent_failure("platform " + p.code + " has connector type \"" + p.connector.type +
                          "\", which this daemon does not know");
}

nlohmann::json settings_of(const domain::platform& p) {
  auto j = nlohmann::json::parse(p.connector.settings, nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

} // namespace tunemantra::actors
