#pragma once
// Writes DDEX DSR flat files for tests and benchmarks, cell by cell in the order of a profile
// version's layouts (domain/dsr_layouts.tsv, from DDEX's XSDs): a record is given as
// name -> value, every other cell is left empty. FOOT is written with the counts the standard
// defines. Every file written this way is checked by DDEX's own checker in CI (dsr_check_test).

#include <filesystem>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "domain/dsr_profile.hpp"

namespace tunemantra::test {

class dsr_writer {
public:
  using cells = std::map<std::string, std::string>;
  /// Throws std::invalid_argument for a profile version without layouts.
  /// With `out`, records are written there as they come (finish() then returns nothing).
  dsr_writer(const std::string& profile, const std::string& version, std::ostream* out = nullptr);

  /// HEAD with the usual cells filled (MessageVersion, dates, sender DPID ...); `extra` overrides.
  dsr_writer& head(const std::string& message_id, const std::string& sender, const std::string& start,
                   const std::string& end, const cells& extra = {});
  /// Any record of the profile; throws std::invalid_argument for an unknown type or cell name.
  dsr_writer& record(const std::string& type, const cells& values);
  dsr_writer& comment(const std::string& text);
  dsr_writer& blank();
  /// FOOT with NumberOfLinesInFile (every line, FOOT included), the summary and block counts; the
  /// whole file.
  std::string finish();
  /// FOOT of one file of a report in several files (HEAD given FileNumber and NumberOfFiles): the
  /// report's counts (this file's plus `earlier_lines` and `earlier_blocks` of the files before it)
  /// only in its last file, as the standard has them.
  std::string finish_file(bool last, long long earlier_lines, long long earlier_blocks);
  long long lines() const { return lines_; }
  long long blocks() const { return blocks_; }

  /// A file name as DDEX names DSR files: DSR_Recipient_Sender_Service_Period_Territory_<x>of<y>_Created.tsv
  static std::string file_name(const std::string& recipient, const std::string& sender, const std::string& service,
                               const std::string& period, const std::string& territory, int x = 1, int y = 1);

private:
  const domain::sales::profile_layout* profile_;
  std::string text_;
  long long lines_ = 0, summaries_ = 0;
  std::ostream* out_;
  std::string last_block_;
  long long blocks_ = 0; ///< BlockId changes, as a reader counts blocks
  void emit(const std::string& line);
};

/// A report in `files` files (DSR Part 1 §6.3), each written by a dsr_writer: HEAD says file n of
/// `files`, `body(w, n)` writes the rest of file n (its summaries and blocks), and FOOT gives the
/// report's counts in the last file. The texts, in file order.
std::vector<std::string> dsr_report(const std::string& profile, const std::string& version, const std::string& message_id,
                                    const std::string& sender, const std::string& start, const std::string& end,
                                    int files, const std::function<void(dsr_writer&, int)>& body);

/// DDEX's checker (../shared/tools/dsr-check) on `file`: its output, and whether it passed.
struct dsr_check_result {
  bool passed = false;
  std::string output;
};
dsr_check_result dsr_check(const std::filesystem::path& file);
/// The checker on the files of one report in several files (it checks their names agree too).
dsr_check_result dsr_check(const std::vector<std::filesystem::path>& files);

} // namespace tunemantra::test
