#pragma once
// Structured logging: one key=value line per event on stderr (journald keeps it as is).
// Lines read "subject verb object": `store opened backend=sqlite path=./var/tm.db`.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace tunemantra::log {

enum class level { debug = 0, info = 1, warn = 2, error = 3 };

/// Sets the lowest level that is written; lines below it are dropped.
void set_level(level l);
/// Parses debug|info|warn|error; false when unknown.
bool parse_level(std::string_view text, level& out);

using field = std::pair<std::string_view, std::string>;

/// Writes `level=... msg="..." k=v ...` as one line; values with spaces or quotes are quoted.
void write(level l, std::string_view message, std::initializer_list<field> fields = {});

inline void debug(std::string_view m, std::initializer_list<field> f = {}) { write(level::debug, m, f); }
inline void info(std::string_view m, std::initializer_list<field> f = {}) { write(level::info, m, f); }
inline void warn(std::string_view m, std::initializer_list<field> f = {}) { write(level::warn, m, f); }
inline void error(std::string_view m, std::initializer_list<field> f = {}) { write(level::error, m, f); }

} // namespace tunemantra::log
