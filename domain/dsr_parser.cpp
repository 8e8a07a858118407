// The DSR flat-file reader: records read by cell name through the layouts of their profile
// version (domain/dsr_profile.hpp). What each record means is decided by its kind (the first two
// letters of its type, as the standard names them: SY summary, RE release, AS resource, MW work,
// SU usage, RU release usage, LI rights line), never by its position in a hand-typed list.

#include <tuple>
#include <unordered_map>

#include "domain/dsr_profile.hpp"
#include "domain/identifiers.hpp"
#include "domain/report_lines.hpp"
#include "domain/sales_report.hpp"

namespace tunemantra::domain::sales {

using namespace lines;

namespace {

constexpr auto none = std::string_view::npos;

/// The value of the cell called `name`, empty when the layout has no such cell.
std::string_view value(const record_layout& layout, const std::vector<std::string_view>& cells, std::string_view name) {
  const auto i = layout.index_of(name);
  return i && *i < cells.size() ? cells[*i] : std::string_view{};
}

/// The first of `names` that the record gives a value for.
std::pair<std::string_view, std::string_view> first_given(const record_layout& layout,
                                                          const std::vector<std::string_view>& cells,
                                                          std::initializer_list<std::string_view> names) {
  for (const auto name : names)
    if (const auto v = value(layout, cells, name); !v.empty())
      return {name, v};
  return {};
}

/// The first value of a repeatable cell.
std::string_view first_of(std::string_view v) { return v.substr(0, v.find('|')); }

std::optional<std::int64_t> whole(std::string_view v) {
  if (v.empty() || v.size() > 15)
    return std::nullopt;
  const auto dot = v.find('.');
  const auto digits = v.substr(0, dot);
  if (dot != none && v.substr(dot + 1).find_first_not_of('0') != none)
    return std::nullopt; // a decimal count (NumberOfStreams) must be whole
  if (digits.empty() || digits.find_first_not_of("0123456789") != none)
    return std::nullopt;
  return std::stoll(std::string(digits));
}

std::string_view kind_of(std::string_view type) { return type.substr(0, 2); }

} // namespace

/// What the current block said: release and resource references -> identifiers, and works.
struct dsr_parser::block_state {
  std::string id;
  text_map<std::string> release_icpn;  ///< ReleaseReference -> ICPN ("" for RE02)
  text_map<std::string> resource_isrc; ///< ResourceReference -> ISRC
  text_map<std::string> dsp_resource;  ///< DspResourceId -> ResourceReference
  struct work {
    std::string iswc, title;
  };
  text_map<work> works;      ///< ResourceReference -> its musical work
  std::string last_resource; ///< the resource an MW01 that follows belongs to

  /// A new block: emptied, keeping the maps' memory (a report has a block per few lines).
  void start(std::string_view block) {
    id = block;
    release_icpn.clear();
    resource_isrc.clear();
    dsp_resource.clear();
    works.clear();
    last_resource.clear();
  }
};

dsr_parser::dsr_parser(sink on_usage, std::size_t max_problems)
    : on_usage_(std::move(on_usage)), problems_(max_problems), block_(std::make_unique<block_state>()) {}

dsr_parser::~dsr_parser() = default;

std::string dsr_message_id(std::string_view line) {
  const auto cells = split_tabs(strip_cr(line));
  return cells[0] == "HEAD" && cells.size() > 4 ? std::string(cells[4]) : std::string();
}

dsr_file_head read_dsr_head(std::string_view line) {
  dsr_file_head out;
  out.message_id = dsr_message_id(line);
  const auto cells = split_tabs(strip_cr(line));
  const auto* profile = cells.size() > 3 ? find_dsr_profile(cells[2], cells[3]) : nullptr;
  if (!profile || cells[0] != "HEAD")
    return out;
  const auto& layout = *profile->record("HEAD");
  const auto file = whole(value(layout, cells, "FileNumber"));
  const auto files = whole(value(layout, cells, "NumberOfFiles"));
  if (file && files) {
    out.file_number = *file;
    out.number_of_files = *files;
  }
  return out;
}

const record_layout* dsr_parser::layout_of(std::string_view type) {
  if (type != last_type_) {
    last_type_ = std::string(type);
    last_layout_ = profile_->record(type);
  }
  return last_layout_;
}

void dsr_parser::line(std::string_view text) {
  ++line_;
  ++report_lines_;
  text = strip_cr(text);
  if (auto bad = utf8_problem(text))
    return fail(*bad);
  if (text.empty() || text.front() == '#' || halted_)
    return; // comments (often column headers) and blank lines are not records, but count as lines
  ++records_;
  const auto cells = split_tabs(text);
  const auto type = cells[0];
  if (foot_seen_)
    return fail("a " + std::string(type) + " record after FOOT");
  if (!head_seen_) {
    if (type != "HEAD") {
      halted_ = true;
      return fail("the file must start with a HEAD record, not \"" + std::string(type) + "\"");
    }
    return on_head(cells);
  }
  const auto* layout = layout_of(type);
  if (!layout)
    return fail("record type \"" + std::string(type) + "\" is not part of " + profile_->name + " " + profile_->version);
  if (!check_cells(*layout, cells))
    return;
  switch (layout->where) {
  case section::head: return fail("a second HEAD record");
  case section::summary: return on_summary(*layout, cells);
  case section::block: return on_block_record(*layout, cells);
  case section::foot: return on_foot(*layout, cells);
  }
}

bool dsr_parser::check_cells(const record_layout& layout, const std::vector<std::string_view>& cells) {
  const auto before = problems_.count();
  const auto& name = layout.type;
  if (cells.size() != layout.cells.size())
    fail(name + " has " + std::to_string(cells.size()) + " cells; " + profile_->name + " " + profile_->version +
         " defines " + std::to_string(layout.cells.size()) + " (empty cells must still be present)");
  const auto n = std::min(cells.size(), layout.cells.size());
  for (std::size_t i = 1; i < n; ++i) {
    const auto& c = layout.cells[i];
    const auto v = cells[i];
    if (v.empty()) {
      if (c.required)
        fail(name + " " + c.name + " (cell " + std::to_string(i + 1) + ") is required");
      continue;
    }
    if (c.type == cell_type::text)
      continue;
    for (std::size_t start = 0; start <= v.size();) {
      const auto bar = c.repeatable ? v.find('|', start) : none;
      const auto one = v.substr(start, bar == none ? none : bar - start);
      if (!valid_cell(c.type, one)) {
        fail(name + " " + c.name + " \"" + std::string(one) + "\" is not " + std::string(describe(c.type)));
        break;
      }
      if (bar == none)
        break;
      start = bar + 1;
    }
  }
  return problems_.count() == before;
}

void dsr_parser::on_head(const std::vector<std::string_view>& cells) {
  head_seen_ = true;
  // Every profile's HEAD starts the same way: RecordType, MessageVersion, Profile, ProfileVersion.
  const auto profile = cells.size() > 3 ? cells[2] : std::string_view{};
  const auto version = cells.size() > 3 ? cells[3] : std::string_view{};
  const auto* layouts = find_dsr_profile(profile, version);
  if (!layouts) {
    halted_ = true;
    return fail(std::string(profile) + " " + std::string(version) +
                " is not supported; supported: " + supported_dsr_profiles());
  }
  if (profile_ && layouts != profile_) {
    halted_ = true;
    return fail("this file is " + layouts->name + " " + layouts->version + ", file 1 of the report " + profile_->name +
                " " + profile_->version);
  }
  profile_ = layouts;
  const auto& layout = *profile_->record("HEAD");
  if (!check_cells(layout, cells))
    return;
  const auto get = [&](std::string_view name) { return std::string(value(layout, cells, name)); };
  dsr_header h;
  h.profile = profile_->name;
  h.profile_version = profile_->version;
  h.message_id = get("MessageId");
  h.sender = get("SenderName");
  h.recipient = get("RecipientName");
  h.file_number = whole(get("FileNumber")).value_or(0);
  h.number_of_files = whole(get("NumberOfFiles")).value_or(0);
  const auto start = parse_period(get("UsageStartDate"));
  const auto end = parse_period(get("UsageEndDate"));
  if (!start || !end)
    return fail("HEAD UsageStartDate and UsageEndDate must be dates, not \"" + get("UsageStartDate") + "\" and \"" +
                get("UsageEndDate") + "\"");
  h.usage_start = start->first;
  h.usage_end = end->second;
  if (h.usage_end < h.usage_start)
    fail("HEAD UsageEndDate is before UsageStartDate");
  if (h.number_of_files < 1 || h.file_number < 1 || h.file_number > h.number_of_files)
    return fail("HEAD FileNumber " + std::to_string(h.file_number) + " of NumberOfFiles " +
                std::to_string(h.number_of_files) + " names no file of the report");
  if (h.file_number != file_)
    fail("this is file " + std::to_string(h.file_number) + " of " + std::to_string(h.number_of_files) +
         " but was read as file " + std::to_string(file_) + ": the files of a report are read in FileNumber order");
  if (file_ == 1)
    header_ = std::move(h);
  else
    same_message(h);
}

bool dsr_parser::same_message(const dsr_header& h) {
  const auto before = problems_.count();
  const auto differs = [&](std::string_view what, const std::string& here, const std::string& first) {
    if (here != first)
      fail("HEAD " + std::string(what) + " \"" + here + "\" differs from file 1's \"" + first +
           "\": the files of a report carry one message");
  };
  differs("MessageId", h.message_id, header_.message_id);
  differs("NumberOfFiles", std::to_string(h.number_of_files), std::to_string(header_.number_of_files));
  differs("SenderName", h.sender, header_.sender);
  differs("UsageStartDate", h.usage_start, header_.usage_start);
  differs("UsageEndDate", h.usage_end, header_.usage_end);
  return problems_.count() == before;
}

void dsr_parser::on_summary(const record_layout& layout, const std::vector<std::string_view>& cells) {
  ++file_summaries_;
  if (blocks_ > 0)
    return fail("summary record " + layout.type + " after the usage blocks began");
  summary s;
  s.line = line_;
  s.record_type = layout.type;
  s.id = std::string(value(layout, cells, "SummaryRecordId"));
  s.channel = std::string(value(layout, cells, "DistributionChannel"));
  s.commercial_model = std::string(value(layout, cells, "CommercialModel"));
  s.use_type = std::string(value(layout, cells, "UseType"));
  s.territory = std::string(value(layout, cells, "Territory"));
  if (!s.territory.empty() && !is_territory(s.territory))
    fail("Territory \"" + s.territory + "\" is not an ISO 3166-1 code or Worldwide");
  const auto [count_name, count] = first_given(
      layout, cells, {"Usages", "UsagesInReportingPeriod", "UsagesInSubPeriod", "AllocatedUsages", "TotalUsages"});
  s.total_usages = whole(count).value_or(0);
  const auto revenue_cell = layout.index_of("NetRevenue") ? "NetRevenue" : "AllocatedNetRevenue";
  if (const auto revenue = value(layout, cells, revenue_cell); !revenue.empty()) {
    s.net_revenue = parse_micros(revenue).value_or(0);
    s.currency = std::string(first_given(layout, cells, {"CurrencyOfReporting", "Currency"}).second);
    if (!is_currency_code(s.currency))
      fail(layout.type + " CurrencyOfReporting \"" + s.currency + "\" is not an ISO 4217 code");
    if (count.empty() && s.net_revenue != 0)
      fail(layout.type + " " + s.id +
           " gives no usage count (Usages, UsagesInReportingPeriod, AllocatedUsages or "
           "TotalUsages): its " +
           revenue_cell + " cannot be shared over its usages");
  }
  if (file_ == 1) {
    if (!summaries_.emplace(s.id, s).second)
      fail("SummaryRecordId " + s.id + " appears twice");
    return;
  }
  // Every file of a report carries the same summaries, with the same data (DSR Part 1 §6.3).
  const auto first = summaries_.find(s.id);
  if (first == summaries_.end())
    return fail("summary " + s.id + " is not in file 1: every file of a report carries the same summaries");
  const auto& f = first->second;
  if (std::tie(s.record_type, s.channel, s.commercial_model, s.use_type, s.territory, s.currency, s.total_usages,
               s.net_revenue) != std::tie(f.record_type, f.channel, f.commercial_model, f.use_type, f.territory,
                                          f.currency, f.total_usages, f.net_revenue))
    fail("summary " + s.id + " differs from the one in file 1 (line " + std::to_string(f.line) +
         "): every file of a report carries the same summaries");
}

void dsr_parser::on_block_record(const record_layout& layout, const std::vector<std::string_view>& cells) {
  if (summaries_.empty())
    return fail(layout.type + " before any summary record");
  if (const auto id = value(layout, cells, "BlockId"); id != block_->id)
    start_block(id);
  auto& b = *block_;
  const auto kind = kind_of(layout.type);
  if (kind == "SU")
    return on_usage(layout, cells);
  if (kind == "RE") { // RE01/RE03 a release (ICPN), RE02 a sub-release of it (none)
    const auto icpn = value(layout, cells, "ICPN");
    auto& slot = b.release_icpn[std::string(value(layout, cells, "ReleaseReference"))];
    if (icpn.empty())
      slot.clear();
    else if (auto checked = check_gtin(icpn))
      slot = *checked.value;
    else
      fail("ICPN \"" + std::string(icpn) + "\": " + checked.problem);
    return;
  }
  if (kind == "AS") {
    const auto reference = std::string(value(layout, cells, "ResourceReference"));
    const auto isrc = first_of(value(layout, cells, "ISRC"));
    auto& slot = b.resource_isrc[reference];
    if (isrc.empty())
      slot.clear();
    else if (auto checked = check_isrc(isrc, current_year()))
      slot = *checked.value;
    else
      fail("ISRC \"" + std::string(isrc) + "\": " + checked.problem);
    b.dsp_resource[std::string(value(layout, cells, "DspResourceId"))] = reference;
    b.last_resource = reference;
    if (const auto iswc = value(layout, cells, "ISWC"); !iswc.empty()) // AS02: the work is on the resource
      b.works[reference] = {std::string(iswc), std::string(value(layout, cells, "Title"))};
    return;
  }
  if (kind == "MW") { // the musical work of the resource before it
    if (b.last_resource.empty() && b.resource_isrc.empty())
      return fail(layout.type + " does not follow a resource record");
    auto& work = b.works[b.last_resource];
    if (work.iswc.empty())
      work = {std::string(value(layout, cells, "ISWC")), std::string(value(layout, cells, "Title"))};
    return;
  }
  // RU (usage of a UGC release, counted on its SU03 rows), LI (rights lines), CU (cue sheets):
  // checked against their layouts above, nothing of them is imported.
}

void dsr_parser::start_block(std::string_view id) {
  block_->start(id);
  ++blocks_;
  ++report_blocks_;
  if (header_.number_of_files < 2)
    return;
  // A block is in one file only: not split between files, not repeated in another (DSR Part 1 §6.3).
  const auto [it, fresh] = block_files_.try_emplace(std::string(id), file_);
  if (!fresh && it->second != file_)
    fail("block " + std::string(id) + " is in file " + std::to_string(it->second) +
         " too: a block may not be split between the files of a report or repeated in them");
}

void dsr_parser::on_usage(const record_layout& layout, const std::vector<std::string_view>& cells) {
  auto& b = *block_;
  auto summary_id = value(layout, cells, "SummaryRecordId");
  if (summary_id.empty() && layout.index_of("NetRevenue")) { // optional on SU03.02
    if (summaries_.size() != 1)
      return fail(layout.type + " names no SummaryRecordId and the file has " + std::to_string(summaries_.size()) +
                  " summaries: its currency and territory are unknown");
    summary_id = summaries_.begin()->first;
  }
  const auto it = summaries_.find(summary_id);
  if (it == summaries_.end())
    return fail("SummaryRecordId \"" + std::string(summary_id) + "\" names no summary record");
  usage u;
  u.file = file_;
  u.line = line_;
  u.summary_id = summary_id;
  if (const auto release = value(layout, cells, "TransactedRelease"); !release.empty()) {
    const auto r = b.release_icpn.find(release);
    if (r == b.release_icpn.end())
      return fail("TransactedRelease \"" + std::string(release) + "\" is not in block " + b.id);
    u.upc = r->second;
  }
  auto resource = value(layout, cells, "TransactedResource");
  if (const auto dsp = value(layout, cells, "DspResourceId"); resource.empty() && !dsp.empty()) {
    const auto r = b.dsp_resource.find(dsp);
    if (r == b.dsp_resource.end())
      return fail("DspResourceId \"" + std::string(dsp) + "\" is not in block " + b.id);
    resource = r->second;
  }
  if (resource.empty() && u.upc.empty() && b.resource_isrc.size() == 1) // a UGC video (SU03.01) with its one recording
    resource = b.resource_isrc.begin()->first;
  if (!resource.empty()) {
    const auto r = b.resource_isrc.find(resource);
    if (r == b.resource_isrc.end())
      return fail("TransactedResource \"" + std::string(resource) + "\" is not in block " + b.id);
    u.isrc = r->second;
    if (const auto w = b.works.find(resource); w != b.works.end()) {
      u.iswc = w->second.iswc;
      u.work_title = w->second.title;
    }
  }
  const bool own_revenue = layout.index_of("NetRevenue").has_value(); // SU03: the usage carries its own revenue
  const auto [quantity_name, quantity] = first_given(layout, cells, {"Usages", "NumberOfStreams"});
  const auto n = quantity.empty() && own_revenue ? std::optional<std::int64_t>(0) : whole(quantity);
  if (!n)
    return fail(layout.type + " " + std::string(quantity_name.empty() ? "Usages" : quantity_name) +
                " must be a whole number, not \"" + std::string(quantity) + "\"");
  u.quantity = *n;
  if (own_revenue) {
    u.revenue = parse_micros(value(layout, cells, "NetRevenue")).value_or(0);
  } else {
    it->second.usages_seen += u.quantity;
  }
  u.platform = header_.sender;
  u.territory = it->second.territory.empty() ? "Worldwide" : it->second.territory;
  u.usage_start = header_.usage_start;
  u.usage_end = header_.usage_end;
  u.use_type = it->second.use_type;
  u.currency = it->second.currency;
  if (problems_.empty())
    on_usage_(u); // once a problem is found the file is refused: stop handing rows out
}

void dsr_parser::on_foot(const record_layout& layout, const std::vector<std::string_view>& cells) {
  foot_seen_ = true;
  const auto count = [&](std::string_view name) { return whole(value(layout, cells, name)); };
  const auto check = [&](std::string_view name, long long actual, const std::string& what) {
    if (const auto said = count(name); said && *said != actual)
      fail("FOOT " + std::string(name) + " is " + std::to_string(*said) + " but the file has " +
           std::to_string(actual) + " " + what);
  };
  // NumberOfLinesInFile counts every line, comments and empty lines too (DSR Part 8 §5.1.2).
  check("NumberOfLinesInFile", line_, "lines (HEAD to FOOT, comments and empty lines included)");
  check("NumberOfSummaryRecords", static_cast<long long>(summaries_.size()), "summary records");
  check("NumberOfBlocksInFile", blocks_, "blocks");
  // The report's counts (every file) are mandatory in its last file; a file before it may give them
  // too. Both are checked once every file is read. (The older XSDs, BasicAudioProfile 1.0 and 1.1,
  // UgcProfile 1.0 and 1.1.1, AudioVisualProfile 1.0, name the block count NumberOfBlocksInRecord.)
  const bool last = header_.number_of_files > 1 && file_ == header_.number_of_files;
  for (const auto name : {"NumberOfLinesInReport", "NumberOfBlocksInReport", "NumberOfBlocksInRecord"}) {
    if (!layout.index_of(name))
      continue;
    if (const auto said = count(name))
      report_counts_.push_back({file_, line_, *said, name});
    else if (last)
      fail("FOOT " + std::string(name) + " is required in the last file of a report in several files");
  }
}

void dsr_parser::end_file() {
  if (file_ended_)
    return;
  file_ended_ = true;
  if (records_ == 0 && problems_.empty())
    return problems_.add(0, "the file has no records", file_);
  if (halted_)
    return;
  if (!foot_seen_)
    fail("no FOOT record: the file is truncated");
  if (file_ > 1 && file_summaries_ != static_cast<long long>(summaries_.size()))
    fail("this file has " + std::to_string(file_summaries_) + " summary records and file 1 has " +
         std::to_string(summaries_.size()) + ": every file of a report carries the same summaries");
}

void dsr_parser::next_file() {
  end_file();
  ++file_;
  line_ = records_ = blocks_ = file_summaries_ = 0;
  head_seen_ = foot_seen_ = file_ended_ = false;
  block_->start("");
}

void dsr_parser::finish() {
  end_file();
  if (halted_ || !profile_)
    return;
  const auto whole_report = [&](std::string message) { problems_.add(0, std::move(message), 0); };
  if (header_.number_of_files > 0 && file_ != header_.number_of_files)
    whole_report("the report has " + std::to_string(header_.number_of_files) + " files and " + std::to_string(file_) +
                 " were read");
  for (const auto& c : report_counts_) {
    const bool lines = c.name == "NumberOfLinesInReport";
    const auto actual = lines ? report_lines_ : report_blocks_;
    if (c.said != actual)
      problems_.add(c.line,
                    "FOOT " + c.name + " is " + std::to_string(c.said) + " but the report has " +
                      std::to_string(actual) + (lines ? " lines (every file's, comments and empty lines included)" : " blocks"),
                    c.file);
  }
  if (summaries_.empty())
    whole_report("no summary record (SYxx)");
  for (const auto& [id, s] : summaries_)
    if (s.usages_seen > 0 && s.usages_seen != s.total_usages && problems_.empty())
      problems_.add(s.line,
                    "summary " + id + " (" + s.record_type + ") counts " + std::to_string(s.total_usages) +
                      " usages but its usage records add up to " + std::to_string(s.usages_seen) +
                      (header_.number_of_files > 1 ? " in all files" : ""),
                    1);
}

} // namespace tunemantra::domain::sales
