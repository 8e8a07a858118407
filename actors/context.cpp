#include "actors/context.hpp"

#include <caf/message.hpp>

#include "actors/ec.hpp"

namespace tunemantra::actors {

std::string describe(const caf::error& err) {
  const auto& ctx = err.context();
  if (ctx.match_elements<std::string>())
    return ctx.get_as<std::string>(0);
  return caf::to_string(err);
}

caf::error error_from_exception(std::exception_ptr& ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    return caf::make_error(ec::internal, std::string(e.what()));
  } catch (...) {
    return caf::make_error(ec::internal, std::string("unknown exception"));
  }
}

} // namespace tunemantra::actors
