#include "actors/context.hpp"

#include <caf/message.hpp>

#include "actors/ec.hpp"
#include "actors/off_thread.hpp"
#include "persistence/errors.hpp"

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

void begin_attempt(persistence::store& store, std::int64_t id, const job_actor& me,
                   std::optional<domain::job_progress> progress) {
  domain::job_update running{domain::job_status::running};
  running.count_attempt = true;
  running.progress = progress;
  try {
    const auto updated = store.update_job(id, running);
    if (!updated) {
      caf::anon_send(me, finished_atom::value);
      return;
    }
    caf::anon_send(me, started_atom::value, updated->payload, updated->progress.done, std::int64_t{updated->attempts});
  } catch (const persistence::invalid_transition&) {
    caf::anon_send(me, finished_atom::value); // cancelled meanwhile
  }
}

} // namespace tunemantra::actors
