#pragma once
// The media directory: uploads stream into tmp/ and, once checked, move (rename) to
// audio/<sha256>.<ext> or artwork/<sha256>.<ext>. A file is never visible under its final name
// half-written, and an upload that is abandoned leaves nothing behind.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "domain/crypto.hpp"

namespace tunemantra::persistence {

class media_files {
public:
  /// Creates the directory tree if needed and removes temp files older than a day (left by a crash).
  /// Throws std::runtime_error when the directory cannot be created or written.
  explicit media_files(std::filesystem::path root);

  /// One upload in progress; the temp file is removed on destruction unless it was stored.
  class upload {
  public:
    ~upload();
    upload(const upload&) = delete;
    upload& operator=(const upload&) = delete;

    /// Appends bytes; false (and nothing written) once `limit` would be passed.
    bool write(std::string_view data);
    bool over_limit() const { return over_limit_; }
    std::int64_t bytes() const { return bytes_; }
    const std::string& head() const { return head_; } ///< the first 64 bytes, for sniffing
    const std::filesystem::path& temp_path() const { return temp_; }
    /// Flushes to disk and returns the SHA-256; call once, after the last write.
    std::string finish();
    const std::string& sha256() const { return sha256_; } ///< after finish()
    /// Moves the finished file to `<kind>/<sha256>.<ext>` and returns that relative name.
    std::string store(std::string_view kind, std::string_view ext);

  private:
    friend class media_files;
    upload(std::filesystem::path root, std::filesystem::path temp, int fd, std::int64_t limit);
    std::filesystem::path root_, temp_;
    int fd_ = -1;
    std::int64_t limit_ = 0, bytes_ = 0;
    bool over_limit_ = false, stored_ = false;
    std::string head_, sha256_;
    domain::crypto::sha256_stream hash_;
  };

  /// Starts an upload of at most `limit` bytes.
  std::unique_ptr<upload> begin(std::int64_t limit) const;
  /// Absolute path of a stored relative name.
  std::filesystem::path path_of(std::string_view name) const { return root_ / name; }
  const std::filesystem::path& root() const { return root_; }

private:
  std::filesystem::path root_;
};

} // namespace tunemantra::persistence
