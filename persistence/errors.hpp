#pragma once
// Errors the store layer throws. http/ maps them to status codes (503, 409, ...).

#include <stdexcept>

namespace tunemantra::persistence {

/// Any failure of the store that is not one of the more specific kinds below.
class store_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The database cannot be reached (at start, or after a lost connection that did not come back).
class store_unavailable : public store_error {
public:
  using store_error::store_error;
};

/// Every pooled connection stayed in use for longer than the lease timeout.
class pool_timeout : public store_unavailable {
public:
  using store_unavailable::store_unavailable;
};

/// The database was migrated by a newer tunemantrad; this binary refuses to touch it.
class schema_too_new : public store_error {
public:
  using store_error::store_error;
};

/// A job status change that the state machine forbids (e.g. cancelling a finished job).
class invalid_transition : public store_error {
public:
  using store_error::store_error;
};

} // namespace tunemantra::persistence
