#pragma once
// How tmctl prints: aligned tables for people, JSON for scripts, and a progress bar that appears
// only when standard error is a terminal.

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tunemantra::tmctl {

struct column {
  std::string header;
  std::function<std::string(const nlohmann::json&)> value;
};

/// A column showing `field` of each row (strings as they are, null as "-", anything else as JSON).
column field(std::string header, std::string name);
/// The value as a table cell.
std::string cell(const nlohmann::json& v);

/// Prints rows as an aligned table with a header line; "(none)" when there are no rows.
void print_table(std::ostream& out, const nlohmann::json& rows, const std::vector<column>& columns);
/// Prints "key  value" lines, aligned.
void print_pairs(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& pairs);

/// A password: the first line of `file`, else one line from standard input (prompting on a
/// terminal). Never from the command line, where `ps` shows it.
std::string read_secret_line(const std::string& file);

/// A one-line progress bar on standard error; silent when standard error is not a terminal.
class progress_bar {
public:
  progress_bar();
  ~progress_bar();
  void show(long long done, long long failed, long long total, const std::string& status);
  /// Ends the bar's line (before printing anything else).
  void finish();
  bool on_terminal() const { return tty_; }

private:
  bool tty_;
  bool drawn_ = false;
};

} // namespace tunemantra::tmctl
