#include "tools/output.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>

#include <unistd.h>

namespace tunemantra::tmctl {

std::string cell(const nlohmann::json& v) {
  if (v.is_null())
    return "-";
  if (v.is_string())
    return v.get<std::string>().empty() ? "-" : v.get<std::string>();
  if (v.is_boolean())
    return v.get<bool>() ? "yes" : "no";
  return v.dump();
}

column field(std::string header, std::string name) {
  return {std::move(header), [name](const nlohmann::json& row) {
            return row.is_object() && row.contains(name) ? cell(row[name]) : std::string("-");
          }};
}

void print_table(std::ostream& out, const nlohmann::json& rows, const std::vector<column>& columns) {
  if (!rows.is_array() || rows.empty()) {
    out << "(none)\n";
    return;
  }
  std::vector<std::vector<std::string>> cells;
  std::vector<std::size_t> width;
  for (const auto& c : columns)
    width.push_back(c.header.size());
  for (const auto& row : rows) {
    auto& line = cells.emplace_back();
    for (std::size_t i = 0; i < columns.size(); ++i) {
      line.push_back(columns[i].value(row));
      width[i] = std::max(width[i], line.back().size());
    }
  }
  auto print_line = [&](const std::vector<std::string>& line) {
    std::string text;
    for (std::size_t i = 0; i < line.size(); ++i) {
      text += line[i];
      if (i + 1 < line.size())
        text += std::string(width[i] - line[i].size() + 2, ' ');
    }
    out << text << '\n';
  };
  std::vector<std::string> headers;
  for (const auto& c : columns)
    headers.push_back(c.header);
  print_line(headers);
  for (const auto& line : cells)
    print_line(line);
}

void print_pairs(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::size_t width = 0;
  for (const auto& [k, v] : pairs)
    width = std::max(width, k.size());
  for (const auto& [k, v] : pairs)
    out << k << std::string(width - k.size() + 2, ' ') << v << '\n';
}

std::string read_secret_line(const std::string& file) {
  std::string line;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in)
      throw std::runtime_error("cannot read " + file);
    std::getline(in, line);
  } else {
    if (::isatty(0))
      std::cerr << "password: " << std::flush;
    std::getline(std::cin, line);
  }
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  return line;
}

progress_bar::progress_bar() : tty_(::isatty(2) == 1) {}

progress_bar::~progress_bar() { finish(); }

void progress_bar::show(long long done, long long failed, long long total, const std::string& status) {
  if (!tty_)
    return;
  constexpr int width = 30;
  const double fraction = total > 0 ? std::clamp(static_cast<double>(done) / static_cast<double>(total), 0.0, 1.0) : 0.0;
  const int filled = static_cast<int>(fraction * width);
  std::string bar = std::string(static_cast<std::size_t>(filled), '#') + std::string(static_cast<std::size_t>(width - filled), '.');
  std::cerr << "\r[" << bar << "] " << done << "/" << total << " (" << static_cast<int>(fraction * 100) << "%)";
  if (failed > 0)
    std::cerr << " " << failed << " failed";
  std::cerr << " " << status << "\033[K" << std::flush;
  drawn_ = true;
}

void progress_bar::finish() {
  if (drawn_)
    std::cerr << '\n';
  drawn_ = false;
}

} // namespace tunemantra::tmctl
