#include "http/framing.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <string_view>
#include <vector>

namespace tunemantra::http {
namespace {

framing refuse(int status, std::string problem) {
  framing f;
  f.status = status;
  f.problem = std::move(problem);
  return f;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

/// The members of a comma-separated list field, trimmed and lower-cased; empty members are
/// dropped (RFC 9110 §5.6.1).
std::vector<std::string> list_members(std::string_view value) {
  std::vector<std::string> out;
  while (true) {
    const auto comma = value.find(',');
    const auto member = trim(value.substr(0, comma));
    if (!member.empty()) {
      std::string lower(member);
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      out.push_back(std::move(lower));
    }
    if (comma == std::string_view::npos)
      return out;
    value.remove_prefix(comma + 1);
  }
}

framing judge_transfer_encoding(const std::vector<std::string>& codings) {
  if (codings.empty())
    return refuse(400, "Transfer-Encoding is empty");
  if (codings.back() != "chunked")
    return refuse(400, "Transfer-Encoding must end with chunked (the body length cannot be determined)");
  if (std::count(codings.begin(), codings.end(), "chunked") > 1)
    return refuse(400, "Transfer-Encoding applies chunked more than once");
  if (codings.size() > 1)
    return refuse(501, "only the chunked transfer coding is implemented");
  framing f;
  f.body = body_kind::chunked;
  return f;
}

framing judge_content_length(std::string_view value) {
  value = trim(value);
  if (value.empty() || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return refuse(400, "Content-Length must be one decimal number");
  std::uint64_t n = 0;
  for (const char c : value) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
      return refuse(400, "Content-Length is too large");
    n = n * 10 + digit;
  }
  framing f;
  f.body = body_kind::length;
  f.length = n;
  return f;
}

} // namespace

framing judge_framing(const std::string& version, const std::multimap<std::string, std::string>& fields) {
  if (version == "HTTP/1.1" && fields.count("Host") != 1)
    return refuse(400, "an HTTP/1.1 request needs exactly one Host header");
  const auto lengths = fields.count("Content-Length");
  const auto [te_begin, te_end] = fields.equal_range("Transfer-Encoding");
  if (te_begin != te_end) {
    if (lengths > 0)
      return refuse(400, "Content-Length and Transfer-Encoding together are ambiguous");
    if (version != "HTTP/1.1")
      return refuse(400, "Transfer-Encoding needs HTTP/1.1");
    std::vector<std::string> codings;
    for (auto it = te_begin; it != te_end; ++it)
      for (auto& member : list_members(it->second))
        codings.push_back(std::move(member));
    return judge_transfer_encoding(codings);
  }
  if (lengths > 1)
    return refuse(400, "Content-Length is given more than once");
  if (lengths == 1)
    return judge_content_length(fields.find("Content-Length")->second);
  return {};
}

} // namespace tunemantra::http
