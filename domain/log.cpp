#include "domain/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "domain/time.hpp"

namespace tunemantra::log {
namespace {

std::atomic<int> min_level{static_cast<int>(level::info)};
std::mutex out_mutex;

constexpr std::string_view names[] = {"debug", "info", "warn", "error"};

void append_value(std::string& out, std::string_view v) {
  bool plain = !v.empty();
  for (char c : v)
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
      plain = false;
  if (plain) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  out += '"';
}

} // namespace

void set_level(level l) { min_level = static_cast<int>(l); }

bool parse_level(std::string_view text, level& out) {
  for (int i = 0; i < 4; ++i)
    if (names[i] == text) {
      out = static_cast<level>(i);
      return true;
    }
  return false;
}

void write(level l, std::string_view message, std::initializer_list<field> fields) {
  if (static_cast<int>(l) < min_level.load(std::memory_order_relaxed))
    return;
  std::string line = "ts=" + domain::format_rfc3339(domain::now_millis());
  line += " level=";
  line += names[static_cast<int>(l)];
  line += " msg=";
  append_value(line, message);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    append_value(line, value);
  }
  line += '\n';
  std::lock_guard guard{out_mutex};
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

} // namespace tunemantra::log
