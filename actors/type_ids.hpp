#pragma once
// The CAF type-id block of tunemantrad and add_message_types(): every CAF-version specific
// registration lives here (house style item 5). Atom texts are at most 10 characters.

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/type_id.hpp>

CAF_BEGIN_TYPE_ID_BLOCK(tunemantra, caf::first_custom_type_id)

  CAF_ADD_ATOM(tunemantra, tunemantra::actors, adopt_atom, "adopt")
  CAF_ADD_ATOM(tunemantra, tunemantra::actors, cancel_atom, "cancel")
  CAF_ADD_ATOM(tunemantra, tunemantra::actors, ping_atom, "ping")
  CAF_ADD_ATOM(tunemantra, tunemantra::actors, poll_atom, "poll")
  CAF_ADD_ATOM(tunemantra, tunemantra::actors, tick_atom, "tick")
  CAF_ADD_ATOM(tunemantra, tunemantra::actors, restart_atom, "restart")
  CAF_ADD_ATOM(tunemantra, tunemantra::actors, shutdown_atom, "shutdown")
  CAF_ADD_ATOM(tunemantra, tunemantra::actors, started_atom, "started")
  CAF_ADD_ATOM(tunemantra, tunemantra::actors, step_atom, "step")
  CAF_ADD_ATOM(tunemantra, tunemantra::actors, done_atom, "done")
  CAF_ADD_ATOM(tunemantra, tunemantra::actors, finished_atom, "finished")
  CAF_ADD_ATOM(tunemantra, tunemantra::actors, failed_atom, "failed")
  CAF_ADD_ATOM(tunemantra, tunemantra::actors, kick_atom, "kick")
  CAF_ADD_ATOM(tunemantra, tunemantra::actors, lost_atom, "lost")
  CAF_ADD_ATOM(tunemantra, tunemantra::actors, lead_atom, "lead")
  CAF_ADD_ATOM(tunemantra, tunemantra::actors, beat_atom, "beat")

CAF_END_TYPE_ID_BLOCK(tunemantra)

namespace tunemantra::actors {

/// Registers the type-id block and the error category of actors::ec with `cfg`.
void add_message_types(caf::actor_system_config& cfg);

} // namespace tunemantra::actors
