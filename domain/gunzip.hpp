#pragma once
// Streaming gzip decompression (RFC 1952, with concatenated members as gzip(1) writes them) for
// uploads: bytes in as they arrive, inflated bytes out, nothing held but zlib's window.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace tunemantra::domain {

/// Whether these first bytes are a gzip stream's (its magic 1f 8b).
bool looks_gzip(std::string_view first_bytes);

class gunzip {
public:
  /// Receives inflated bytes; returns false to stop (feed then returns false with no error).
  using sink = std::function<bool(std::string_view)>;

  gunzip();
  ~gunzip();
  gunzip(const gunzip&) = delete;
  gunzip& operator=(const gunzip&) = delete;

  /// Inflates `compressed` into `out`. False when the stream is corrupt (error() says how) or
  /// `out` said stop.
  bool feed(std::string_view compressed, const sink& out);
  /// Whether the input so far ends a complete gzip member (a stream cut short does not).
  bool complete() const;
  const std::string& error() const { return error_; }

private:
  struct state;
  std::unique_ptr<state> s_;
  std::string error_;
};

} // namespace tunemantra::domain
