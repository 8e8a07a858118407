#pragma once
// SQLite's process-wide settings (its own translation unit: SOCI's header wraps sqlite3.h in a
// namespace, so the two cannot meet in one file).

namespace tunemantra::persistence {

/// Once, before the first SQLite connection opens: multi-thread mode (the pool never shares a
/// connection between threads at once, so per-connection mutexes are waste) and no memory
/// statistics (which take one global mutex on every allocation: every request thread queued on
/// it). When the library is already initialised the defaults stay, which is safe.
void configure_sqlite_library();

} // namespace tunemantra::persistence
