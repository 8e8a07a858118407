#include "actors/ec.hpp"

namespace tunemantra::actors {

std::string_view to_string(ec code) {
  switch (code) {
    case ec::none: return "none";
    case ec::not_found: return "not_found";
    case ec::invalid_state: return "invalid_state";
    case ec::unavailable: return "unavailable";
    case ec::timeout: return "timeout";
    case ec::restart_limit: return "restart_limit";
    case ec::internal: return "internal";
    case ec::lease_lost: return "lease_lost";
  }
  return "unknown";
}

std::string_view api_code(ec code) {
  switch (code) {
    case ec::not_found: return "NOT_FOUND";
    case ec::invalid_state: return "INVALID_STATE";
    case ec::unavailable:
    case ec::timeout: return "UNAVAILABLE";
    default: return "INTERNAL_ERROR";
  }
}

} // namespace tunemantra::actors
