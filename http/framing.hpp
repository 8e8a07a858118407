#pragma once
// How long a request's body is, read from its head as RFC 9112 §6 and RFC 9110 §8.6 define it,
// and whether the head is acceptable at all. Ambiguous framing is refused, never guessed, since a
// server and a proxy in front of it that guess differently read different requests from the same
// bytes (request smuggling).

#include <cstdint>
#include <map>
#include <string>

namespace tunemantra::http {

enum class body_kind {
  none,    ///< no body: neither Content-Length nor Transfer-Encoding (RFC 9112 §6.3 rule 7)
  length,  ///< Content-Length bytes
  chunked, ///< Transfer-Encoding: chunked
};

struct framing {
  body_kind body = body_kind::none;
  std::uint64_t length = 0; ///< with body_kind::length
  /// 0 when the head is acceptable; otherwise the status to answer (400, or 501 for a transfer
  /// coding we do not implement), after which the connection must be closed.
  int status = 0;
  std::string problem; ///< why, for the error envelope

  bool ok() const { return status == 0; }
  /// True when a body follows the head on the wire.
  bool has_body() const { return body == body_kind::chunked || (body == body_kind::length && length > 0); }
};

/// Case-insensitive header map, as cpp-httplib's `Headers` (any multimap with such a comparator).
template <class Headers> framing read_framing(const std::string& version, const Headers& headers);

/// The rules, on the header values already gathered (every field of that name, in order).
/// - Transfer-Encoding (all fields taken as one list): only `chunked`, exactly once and last, is
///   implemented; chunked not last -> 400, another coding -> 501; with Content-Length, or in an
///   HTTP/1.0 request -> 400.
/// - Content-Length: one field holding one decimal number; repeated (even with the same value),
///   a list, a sign, spaces or overflow -> 400.
/// - HTTP/1.1 needs exactly one Host field (RFC 9112 §3.2) -> else 400.
framing judge_framing(const std::string& version, const std::multimap<std::string, std::string>& fields);

template <class Headers> framing read_framing(const std::string& version, const Headers& headers) {
  std::multimap<std::string, std::string> fields;
  for (const char* name : {"Content-Length", "Transfer-Encoding", "Host"}) {
    const auto [begin, end] = headers.equal_range(name);
    for (auto it = begin; it != end; ++it)
      fields.emplace(name, it->second);
  }
  return judge_framing(version, fields);
}

} // namespace tunemantra::http
