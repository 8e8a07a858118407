#include "actors/type_ids.hpp"

#include <caf/message.hpp>

#include "actors/ec.hpp"

namespace tunemantra::actors {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::tunemantra>();
  cfg.add_error_category(caf::atom("tunemantra"), [](std::uint8_t code, caf::atom_value, const caf::message& ctx) {
    std::string out = "tunemantra: ";
    out += to_string(static_cast<ec>(code));
    if (ctx.match_elements<std::string>())
      out += " (" + ctx.get_as<std::string>(0) + ")";
    return out;
  });
}

} // namespace tunemantra::actors
