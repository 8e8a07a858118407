#pragma once
// Small text helpers shared by every layer.

#include <string>
#include <string_view>
#include <vector>

namespace tunemantra::domain {

/// The non-empty pieces of `text` between `sep` characters ("a,,b" -> {"a", "b"}).
std::vector<std::string> split(std::string_view text, char sep);
/// `text` without leading and trailing blanks (spaces, tabs, CR, LF).
std::string_view trim(std::string_view text);
/// The items with `sep` between them.
std::string join(const std::vector<std::string>& items, std::string_view sep);

/// Where `text` stops being UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
/// U+10FFFF): the offset of the first byte that does not belong, or npos when all of it is.
std::size_t invalid_utf8_at(std::string_view text);

} // namespace tunemantra::domain
