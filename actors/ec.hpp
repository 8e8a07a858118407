#pragma once
// The one error enum of the actor layer (house style item 4). Actors answer with caf::error made
// from these codes; http/ maps each to a status code. No exception crosses an actor boundary.

#include <cstdint>
#include <string_view>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace tunemantra::actors {

enum class ec : std::uint8_t {
  none = 0,
  not_found,        ///< no such job (or another account's)
  invalid_state,    ///< the job is terminal or the transition is not allowed
  unavailable,      ///< the store cannot be reached or is saturated
  timeout,          ///< an actor did not answer in time
  restart_limit,    ///< a job actor crashed more often than the supervisor allows
  internal,         ///< a bug: logged with detail
  lease_lost,       ///< another node holds the job's lease now: its actor here ends, never restarted
};

std::string_view to_string(ec code);

/// The API error code (`NOT_FOUND`, ...) for an actor error code.
std::string_view api_code(ec code);

} // namespace tunemantra::actors

// CAF 0.17.6 as Debian ships it defines CAF_ERROR_CODE_ENUM twice (error.hpp and
// is_error_code_enum.hpp disagree); the two-argument form is the one that makes caf::error work.
CAF_ERROR_CODE_ENUM_2(tunemantra::actors::ec, "tunemantra")
