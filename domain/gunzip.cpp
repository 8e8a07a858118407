#include "domain/gunzip.hpp"

#include <zlib.h>

namespace tunemantra::domain {

bool looks_gzip(std::string_view first_bytes) {
  return first_bytes.size() >= 2 && static_cast<unsigned char>(first_bytes[0]) == 0x1f &&
         static_cast<unsigned char>(first_bytes[1]) == 0x8b;
}

struct gunzip::state {
  z_stream z{};
  bool member_done = false; ///< the last member ended; more input starts another
  bool any_input = false;
  state() { inflateInit2(&z, 15 + 16); } // 15: the largest window; +16: gzip wrapper only
  ~state() { inflateEnd(&z); }
};

gunzip::gunzip() : s_(std::make_unique<state>()) {}
gunzip::~gunzip() = default;

bool gunzip::feed(std::string_view compressed, const sink& out) {
  if (!error_.empty())
    return false;
  auto& z = s_->z;
  char buffer[64 * 1024];
  while (!compressed.empty()) {
    if (s_->member_done) { // gzip(1) may concatenate members: each starts with its own header
      inflateReset(&z);
      s_->member_done = false;
    }
    s_->any_input = true;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    z.avail_in = static_cast<uInt>(std::min<std::size_t>(compressed.size(), 1u << 30));
    const auto given = z.avail_in;
    int rc = Z_OK;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buffer);
      z.avail_out = sizeof buffer;
      rc = inflate(&z, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        error_ = std::string("the gzip stream is corrupt: ") + (z.msg ? z.msg : "inflate failed");
        return false;
      }
      const auto made = sizeof buffer - z.avail_out;
      if (made > 0 && !out({buffer, made}))
        return false;
      if (rc == Z_STREAM_END)
        break;
    } while (z.avail_out == 0 || (z.avail_in > 0 && rc != Z_BUF_ERROR));
    compressed.remove_prefix(given - z.avail_in);
    if (rc == Z_STREAM_END)
      s_->member_done = true;
    else if (z.avail_in > 0) {
      error_ = "the gzip stream is corrupt";
      return false;
    }
  }
  return true;
}

bool gunzip::complete() const { return error_.empty() && s_->any_input && s_->member_done; }

} // namespace tunemantra::domain
