#include "persistence/sqlite_library.hpp"

#include <mutex>

#include <sqlite3.h>

#include "domain/log.hpp"

namespace tunemantra::persistence {

void configure_sqlite_library() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sqlite3_config(SQLITE_CONFIG_MULTITHREAD) != SQLITE_OK || sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
      log::warn("sqlite library settings not applied (already initialised); using its defaults");
  });
}

} // namespace tunemantra::persistence
