#pragma once
// The record layouts of the DDEX DSR flat-file profiles, as DDEX's profile XSDs define them. They
// are data, not code: domain/dsr_layouts.tsv is written by scripts/gen_dsr_layouts.py from the
// official XSDs and embedded in the binary, so a new profile version is a new table, not a new
// parser. The reader (dsr_parser) finds a record's cells here by name.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tunemantra::domain::sales {

/// Hashes std::string and std::string_view alike, so lookups by a view allocate nothing.
struct text_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
/// A map from text, looked up by std::string_view without a copy.
template <class T> using text_map = std::unordered_map<std::string, T, text_hash, std::equal_to<>>;

/// How a cell's text is checked (the XSD type it has; DDEX types read as text).
enum class cell_type { text, integer, decimal, boolean, date, datetime, duration };

struct cell_layout {
  std::string name;
  cell_type type = cell_type::text;
  bool required = false;
  bool repeatable = false; ///< several values, separated by '|'
};

/// Where a record stands in a file: HEAD, the summaries, the blocks (releases, resources, works,
/// usages, rights lines), FOOT.
enum class section { head, summary, block, foot };

struct record_layout {
  std::string type; ///< as it appears in a file: "SY01.01", "SU02", "HEAD"
  section where = section::block;
  std::vector<cell_layout> cells; ///< cell 0 is RecordType
  /// The index of the cell called `name`, if this record has one.
  std::optional<std::size_t> index_of(std::string_view name) const;

  text_map<std::size_t> by_name;
};

struct profile_layout {
  std::string name;    ///< "BasicAudioProfile"
  std::string version; ///< "1.2"
  text_map<record_layout> records;
  const record_layout* record(std::string_view type) const;
};

/// Every profile version read, in the table's order.
const std::vector<profile_layout>& dsr_profiles();
/// The layouts of one profile version (the profile name ignoring case), or null.
const profile_layout* find_dsr_profile(std::string_view name, std::string_view version);
/// "BasicAudioProfile 1.0, 1.1, 1.2; UgcProfile 1.0, ..." for messages.
std::string supported_dsr_profiles();

/// Parses a table in the format of domain/dsr_layouts.tsv; throws std::invalid_argument on a
/// malformed one (the embedded table is checked by the tests).
std::vector<profile_layout> parse_dsr_layouts(std::string_view table);

/// Whether `value` (one value of a repeatable cell) is valid text for `type`.
bool valid_cell(cell_type type, std::string_view value);
/// "a whole number", "a decimal number", ... for messages.
std::string_view describe(cell_type type);

} // namespace tunemantra::domain::sales
