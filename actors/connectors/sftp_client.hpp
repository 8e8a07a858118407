#pragma once
// An SFTP client on libssh2 (the SSH library libcurl's SFTP uses): one authenticated session to a
// platform's server, its host key checked against a pinned SHA-256 fingerprint before anything is
// sent. Blocking, with a timeout on every operation. Errors: permanent_failure when trying again
// cannot help (host key unknown or changed, credentials refused, permission denied), else
// std::runtime_error (refused or lost connections, timeouts).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tunemantra::actors {

struct sftp_endpoint {
  std::string host;
  int port = 22;
  std::string username;
  std::string private_key_file; ///< OpenSSH or PEM private key; empty: password
  std::string password;         ///< also the key's passphrase when both are given
  std::string host_key_sha256;  ///< "SHA256:<base64>", as `ssh-keygen -lf` prints it
  int timeout_ms = 30'000;
};

struct sftp_entry {
  std::string name;
  std::uint64_t size = 0;
  std::int64_t mtime = 0; ///< seconds since the epoch
  bool regular = false;
};

class sftp_client {
public:
  /// Connects, checks the host key, authenticates and starts SFTP.
  explicit sftp_client(const sftp_endpoint& endpoint);
  ~sftp_client();
  sftp_client(const sftp_client&) = delete;
  sftp_client& operator=(const sftp_client&) = delete;

  /// The server's host key fingerprint as "SHA256:<base64>" (what the pin is compared with).
  const std::string& host_key() const;

  /// Size (and kind) of a remote path; nullopt when it does not exist.
  std::optional<sftp_entry> stat(const std::string& path);
  /// Creates each missing folder of an absolute path.
  void make_dirs(const std::string& path);
  /// Writes a local file or bytes to `path` (created or truncated); returns bytes written.
  std::uint64_t upload_file(const std::filesystem::path& local, const std::string& path);
  std::uint64_t upload_bytes(const std::string& bytes, const std::string& path);
  /// Reads a remote file whole (at most `limit` bytes; more is an error).
  std::string read_file(const std::string& path, std::size_t limit);
  /// Moves `from` to `to`, replacing `to` when it exists.
  void replace(const std::string& from, const std::string& to);
  void remove(const std::string& path);
  /// The entries of a folder (without . and ..).
  std::vector<sftp_entry> list(const std::string& path);

  struct state; ///< the libssh2 session (sftp_client.cpp)

private:
  std::unique_ptr<state> s_;
};

/// The "SHA256:..." fingerprint pins compare equal (padding '=' ignored; constant time).
bool same_fingerprint(std::string_view pinned, std::string_view seen);

} // namespace tunemantra::actors
