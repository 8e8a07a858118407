#pragma once
// How a connector says a send failed: a plain std::runtime_error is worth retrying (timeouts,
// refused connections, 5xx, 408, 429, I/O errors); permanent_failure is not (4xx, a message the
// platform's schema refuses, a release that lost its audio) and fails the delivery at once.

#include <stdexcept>

namespace tunemantra::actors {

struct permanent_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

} // namespace tunemantra::actors
