#pragma once
// A real OpenSSH server for the sftp connector's tests: `sshd -D` on 127.0.0.1 with a generated
// host key, key authentication for the user running the tests and internal-sftp, all under a
// temp folder. The files it receives are plain files under that folder, so tests check them
// directly.

#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/test_support.hpp"

namespace tunemantra::test {

class sshd_server {
public:
  sshd_server();
  ~sshd_server();

  int port() const { return port_; }
  const std::string& user() const { return user_; }
  /// The user's private key (authorised) and one the server does not know.
  std::filesystem::path user_key() const { return dir_.path() / "user_key"; }
  std::filesystem::path stranger_key() const { return dir_.path() / "stranger_key"; }
  /// The host key's fingerprint, "SHA256:...", and another server's.
  const std::string& host_key_sha256() const { return host_sha256_; }
  const std::string& other_host_key_sha256() const { return other_sha256_; }
  /// A folder the SFTP user can write (absolute; the same path on the server).
  std::filesystem::path root() const { return dir_.path() / "srv"; }

  /// Settings of an sftp connector uploading to `path` on this server with the user's key.
  nlohmann::json connector(const std::filesystem::path& path) const;

  /// SIGKILLs every session's sshd child: connections in flight drop, the server stays up.
  int kill_sessions();

private:
  temp_dir dir_;
  int port_ = 0;
  std::string user_, host_sha256_, other_sha256_;
  std::unique_ptr<process> sshd_;
};

} // namespace tunemantra::test
