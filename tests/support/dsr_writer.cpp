#include "tests/support/dsr_writer.hpp"

#include <array>
#include <cstdio>
#include <stdexcept>

namespace tunemantra::test {

dsr_writer::dsr_writer(const std::string& profile, const std::string& version, std::ostream* out)
    : profile_(domain::sales::find_dsr_profile(profile, version)), out_(out) {
  if (!profile_)
    throw std::invalid_argument("no DSR layouts for " + profile + " " + version);
}

dsr_writer& dsr_writer::head(const std::string& message_id, const std::string& sender, const std::string& start,
                             const std::string& end, const cells& extra) {
  cells c{{"MessageVersion", "dsrf/"},
          {"Profile", profile_->name == "UgcProfile" ? "UGCProfile" : profile_->name},
          {"ProfileVersion", profile_->version},
          {"MessageId", message_id},
          {"MessageCreatedDateTime", "2026-02-03T04:05:06Z"},
          {"FileNumber", "1"},
          {"NumberOfFiles", "1"},
          {"UsageStartDate", start},
          {"UsageEndDate", end},
          {"SenderPartyId", "PADPIDA2007040502I"},
          {"SenderName", sender},
          {"ServiceDescription", "Premium"},
          {"RecipientPartyId", "PADPIDA2014120301U"},
          {"RecipientName", "TuneMantra"}};
  for (const auto& [k, v] : extra)
    c[k] = v;
  return record("HEAD", c);
}

dsr_writer& dsr_writer::record(const std::string& type, const cells& values) {
  const auto* layout = profile_->record(type);
  if (!layout)
    throw std::invalid_argument(type + " is not a record of " + profile_->name + " " + profile_->version);
  for (const auto& [name, value] : values)
    if (!layout->index_of(name))
      throw std::invalid_argument(type + " has no cell " + name + " in " + profile_->name + " " + profile_->version);
  std::string line = type;
  for (std::size_t i = 1; i < layout->cells.size(); ++i) {
    const auto it = values.find(layout->cells[i].name);
    line += '\t';
    if (it != values.end())
      line += it->second;
  }
  emit(line);
  if (layout->where == domain::sales::section::summary)
    ++summaries_;
  if (const auto block = values.find("BlockId"); block != values.end() && block->second != last_block_) {
    last_block_ = block->second;
    ++blocks_;
  }
  return *this;
}

void dsr_writer::emit(const std::string& line) {
  if (out_)
    *out_ << line << '\n';
  else
    text_ += line + "\n";
  ++lines_;
}

dsr_writer& dsr_writer::comment(const std::string& text) {
  emit("#" + text);
  return *this;
}

dsr_writer& dsr_writer::blank() {
  emit("");
  return *this;
}

std::string dsr_writer::finish() { return finish_file(true, 0, 0); }

std::string dsr_writer::finish_file(bool last, long long earlier_lines, long long earlier_blocks) {
  const auto lines = lines_ + 1;
  cells foot{{"NumberOfLinesInFile", std::to_string(lines)},
             {"NumberOfSummaryRecords", std::to_string(summaries_)},
             {"NumberOfBlocksInFile", std::to_string(blocks_)}};
  if (last) { // (the older XSDs call the block count NumberOfBlocksInRecord)
    foot["NumberOfLinesInReport"] = std::to_string(earlier_lines + lines);
    foot[profile_->record("FOOT")->index_of("NumberOfBlocksInReport") ? "NumberOfBlocksInReport"
                                                                      : "NumberOfBlocksInRecord"] =
      std::to_string(earlier_blocks + blocks_);
  }
  record("FOOT", foot);
  return text_;
}

std::string dsr_writer::file_name(const std::string& recipient, const std::string& sender, const std::string& service,
                                  const std::string& period, const std::string& territory, int x, int y) {
  return "DSR_" + recipient + "_" + sender + "_" + service + "_" + period + "_" + territory + "_" + std::to_string(x) +
         "of" + std::to_string(y) + "_20260203T040506.tsv";
}

std::vector<std::string> dsr_report(const std::string& profile, const std::string& version, const std::string& message_id,
                                    const std::string& sender, const std::string& start, const std::string& end,
                                    int files, const std::function<void(dsr_writer&, int)>& body) {
  std::vector<std::string> out;
  long long lines = 0, blocks = 0; // of the files before
  for (int n = 1; n <= files; ++n) {
    dsr_writer w(profile, version);
    w.head(message_id, sender, start, end, {{"FileNumber", std::to_string(n)}, {"NumberOfFiles", std::to_string(files)}});
    body(w, n);
    out.push_back(w.finish_file(n == files, lines, blocks));
    lines += w.lines();
    blocks += w.blocks();
  }
  return out;
}

dsr_check_result dsr_check(const std::filesystem::path& file) { return dsr_check(std::vector{file}); }

dsr_check_result dsr_check(const std::vector<std::filesystem::path>& files) {
  const auto tool = std::filesystem::path(TM_SOURCE_DIR) / ".." / "shared" / "tools" / "dsr-check";
  if (!std::filesystem::exists(tool))
    return {false, "DDEX's checker is not at " + tool.string() + " (../shared beside the repository)"};
  auto command = "'" + tool.string() + "'";
  for (const auto& file : files)
    command += " '" + file.string() + "'";
  command += " 2>&1";
  dsr_check_result out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p)
    return {false, "cannot run " + command};
  std::array<char, 4096> buf;
  while (const auto n = std::fread(buf.data(), 1, buf.size(), p))
    out.output.append(buf.data(), n);
  out.passed = ::pclose(p) == 0;
  return out;
}

} // namespace tunemantra::test
