#include "actors/connectors/sftp_client.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh2.h>
#include <libssh2_sftp.h>

#include "actors/connector_error.hpp"
#include "domain/crypto.hpp"

namespace tunemantra::actors {
namespace {

constexpr std::size_t chunk_bytes = 1 << 20; ///< handed to libssh2 at once: it pipelines the SFTP writes of a chunk

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (libssh2_init(0) != 0)
      throw std::runtime_error("libssh2_init failed");
  });
}

/// A TCP connection to host:port within the timeout; throws std::runtime_error.
int connect_to(const std::string& host, int port, int timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0)
    throw std::runtime_error("sftp: cannot resolve " + host + ": " + ::gai_strerror(rc));
  std::string why = "no address";
  for (auto* a = found; a; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0)
      continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, timeout_ms) == 1 ? 0 : -1;
      int err = rc == 0 ? 0 : ETIMEDOUT;
      socklen_t len = sizeof err;
      if (rc == 0)
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc == 0) {
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      ::freeaddrinfo(found);
      return fd;
    }
    why = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  throw std::runtime_error("sftp: cannot connect to " + host + ":" + std::to_string(port) + ": " + why);
}

std::string strip_padding(std::string_view s) {
  while (!s.empty() && s.back() == '=')
    s.remove_suffix(1);
  return std::string(s);
}

} // namespace

bool same_fingerprint(std::string_view pinned, std::string_view seen) {
  return domain::crypto::equal_constant_time(strip_padding(pinned), strip_padding(seen));
}

struct sftp_client::state {
  sftp_endpoint endpoint;
  int fd = -1;
  LIBSSH2_SESSION* session = nullptr;
  LIBSSH2_SFTP* sftp = nullptr;
  std::string host_key;

  ~state() {
    if (sftp)
      libssh2_sftp_shutdown(sftp);
    if (session) {
      libssh2_session_disconnect(session, "done");
      libssh2_session_free(session);
    }
    if (fd >= 0)
      ::close(fd);
  }

  std::string session_error() const {
    char* msg = nullptr;
    int len = 0;
    libssh2_session_last_error(session, &msg, &len, 0);
    return msg ? std::string(msg, static_cast<std::size_t>(len)) : "unknown error";
  }

  /// Throws for a failed SFTP operation on `path`: permanent when the server refuses it.
  [[noreturn]] void fail(const std::string& what, const std::string& path) const {
    const auto code = libssh2_session_last_errno(session);
    if (code == LIBSSH2_ERROR_SFTP_PROTOCOL) {
      const auto fx = libssh2_sftp_last_error(sftp);
      const auto where = "sftp: " + what + " " + path + " on " + endpoint.host;
      if (fx == LIBSSH2_FX_PERMISSION_DENIED || fx == LIBSSH2_FX_WRITE_PROTECT)
        throw permanent_failure(where + ": permission denied");
      if (fx == LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM || fx == LIBSSH2_FX_QUOTA_EXCEEDED)
        throw std::runtime_error(where + ": no space left");
      throw std::runtime_error(where + ": SFTP status " + std::to_string(fx));
    }
    throw std::runtime_error("sftp: " + what + " " + path + " on " + endpoint.host + ": " + session_error());
  }
};

sftp_client::sftp_client(const sftp_endpoint& e) : s_(std::make_unique<state>()) {
  init_library();
  s_->endpoint = e;
  s_->fd = connect_to(e.host, e.port, e.timeout_ms);
  s_->session = libssh2_session_init();
  if (!s_->session)
    throw std::runtime_error("sftp: cannot start an SSH session");
  libssh2_session_set_blocking(s_->session, 1);
  libssh2_session_set_timeout(s_->session, e.timeout_ms);
  if (libssh2_session_handshake(s_->session, s_->fd) != 0)
    throw std::runtime_error("sftp: SSH handshake with " + e.host + " failed: " + s_->session_error());

  // The host key, before any credential leaves this machine.
  const char* hash = libssh2_hostkey_hash(s_->session, LIBSSH2_HOSTKEY_HASH_SHA256);
  if (!hash)
    throw permanent_failure("sftp: " + e.host + " offers no host key this client can hash");
  s_->host_key = "SHA256:" + strip_padding(domain::crypto::base64_encode(std::string_view(hash, 32)));
  if (!same_fingerprint(e.host_key_sha256, s_->host_key))
    throw permanent_failure("sftp: the host key of " + e.host + " is " + s_->host_key + ", not the pinned " +
                            e.host_key_sha256 +
                            "; refusing to send (check the platform's key, then update hostKeySha256)");

  int rc = 0;
  if (!e.private_key_file.empty())
    rc = libssh2_userauth_publickey_fromfile_ex(
        s_->session, e.username.c_str(), static_cast<unsigned>(e.username.size()), nullptr, e.private_key_file.c_str(),
        e.password.empty() ? nullptr : e.password.c_str());
  else
    rc = libssh2_userauth_password_ex(s_->session, e.username.c_str(), static_cast<unsigned>(e.username.size()),
                                      e.password.c_str(), static_cast<unsigned>(e.password.size()), nullptr);
  if (rc != 0) {
    const auto why = s_->session_error();
    if (rc == LIBSSH2_ERROR_SOCKET_RECV || rc == LIBSSH2_ERROR_SOCKET_SEND || rc == LIBSSH2_ERROR_TIMEOUT ||
        rc == LIBSSH2_ERROR_SOCKET_DISCONNECT)
      throw std::runtime_error("sftp: connection to " + e.host + " lost while logging in: " + why);
    throw permanent_failure("sftp: " + e.host + " refused " + e.username + "'s " +
                            (e.private_key_file.empty() ? "password" : "key " + e.private_key_file) + ": " + why);
  }
  s_->sftp = libssh2_sftp_init(s_->session);
  if (!s_->sftp)
    throw std::runtime_error("sftp: " + e.host + " did not start the SFTP subsystem: " + s_->session_error());
}

sftp_client::~sftp_client() = default;

const std::string& sftp_client::host_key() const { return s_->host_key; }

std::optional<sftp_entry> sftp_client::stat(const std::string& path) {
  LIBSSH2_SFTP_ATTRIBUTES attrs{};
  if (libssh2_sftp_stat_ex(s_->sftp, path.c_str(), static_cast<unsigned>(path.size()), LIBSSH2_SFTP_STAT, &attrs) !=
      0) {
    if (libssh2_session_last_errno(s_->session) == LIBSSH2_ERROR_SFTP_PROTOCOL &&
        libssh2_sftp_last_error(s_->sftp) == LIBSSH2_FX_NO_SUCH_FILE)
      return std::nullopt;
    s_->fail("stat", path);
  }
  sftp_entry out;
  out.name = path;
  out.size = attrs.filesize;
  out.mtime = static_cast<std::int64_t>(attrs.mtime);
  out.regular = LIBSSH2_SFTP_S_ISREG(attrs.permissions);
  return out;
}

void sftp_client::make_dirs(const std::string& path) {
  // The deepest folder first: a new batch's folders cost one round trip each, an existing one a
  // failed mkdir and a stat, and the parents are walked only when missing.
  if (path.empty() || path == "/")
    return;
  if (libssh2_sftp_mkdir_ex(s_->sftp, path.c_str(), static_cast<unsigned>(path.size()), 0755) == 0)
    return;
  if (const auto existing = stat(path)) {
    if (existing->regular)
      throw permanent_failure("sftp: " + path + " on " + s_->endpoint.host + " is a file, not a folder");
    return;
  }
  make_dirs(path.substr(0, path.rfind('/')));
  if (libssh2_sftp_mkdir_ex(s_->sftp, path.c_str(), static_cast<unsigned>(path.size()), 0755) != 0 && !stat(path))
    s_->fail("mkdir", path);
}

namespace {

template <typename Fill> std::uint64_t write_remote(sftp_client::state& s, const std::string& path, Fill&& fill) {
  auto* h =
      libssh2_sftp_open_ex(s.sftp, path.c_str(), static_cast<unsigned>(path.size()),
                           LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC, 0644, LIBSSH2_SFTP_OPENFILE);
  if (!h)
    s.fail("open", path);
  std::uint64_t total = 0;
  std::string buffer;
  try {
    while (fill(buffer) && !buffer.empty()) {
      std::string_view rest = buffer;
      while (!rest.empty()) {
        const auto n = libssh2_sftp_write(h, rest.data(), rest.size());
        if (n < 0)
          s.fail("write", path);
        rest.remove_prefix(static_cast<std::size_t>(n));
        total += static_cast<std::uint64_t>(n);
      }
    }
  } catch (...) {
    libssh2_sftp_close_handle(h);
    throw;
  }
  if (libssh2_sftp_close_handle(h) != 0)
    s.fail("close", path);
  return total;
}

} // namespace

std::uint64_t sftp_client::upload_file(const std::filesystem::path& local, const std::string& path) {
  std::ifstream in(local, std::ios::binary);
  if (!in)
    throw permanent_failure("sftp: cannot read " + local.string());
  return write_remote(*s_, path, [&](std::string& buffer) {
    buffer.resize(chunk_bytes);
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    buffer.resize(static_cast<std::size_t>(in.gcount()));
    if (in.bad())
      throw std::runtime_error("sftp: reading " + local.string() + " failed");
    return true;
  });
}

std::uint64_t sftp_client::upload_bytes(const std::string& bytes, const std::string& path) {
  bool sent = false;
  return write_remote(*s_, path, [&](std::string& buffer) {
    if (sent) {
      buffer.clear();
      return false;
    }
    buffer = bytes;
    sent = true;
    return true;
  });
}

std::string sftp_client::read_file(const std::string& path, std::size_t limit) {
  auto* h = libssh2_sftp_open_ex(s_->sftp, path.c_str(), static_cast<unsigned>(path.size()), LIBSSH2_FXF_READ, 0,
                                 LIBSSH2_SFTP_OPENFILE);
  if (!h)
    s_->fail("open", path);
  std::string out;
  char buf[32768];
  while (true) {
    const auto n = libssh2_sftp_read(h, buf, sizeof buf);
    if (n < 0) {
      libssh2_sftp_close_handle(h);
      s_->fail("read", path);
    }
    if (n == 0)
      break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > limit) {
      libssh2_sftp_close_handle(h);
      throw std::runtime_error("sftp: " + path + " is larger than " + std::to_string(limit) + " bytes");
    }
  }
  libssh2_sftp_close_handle(h);
  return out;
}

void sftp_client::replace(const std::string& from, const std::string& to) {
  // SFTP version 3 (OpenSSH) renames onto no existing file: the old one goes first.
  if (stat(to))
    remove(to);
  if (libssh2_sftp_rename_ex(
          s_->sftp, from.c_str(), static_cast<unsigned>(from.size()), to.c_str(), static_cast<unsigned>(to.size()),
          LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE) != 0)
    s_->fail("rename " + from + " to", to);
}

void sftp_client::remove(const std::string& path) {
  if (libssh2_sftp_unlink_ex(s_->sftp, path.c_str(), static_cast<unsigned>(path.size())) != 0)
    s_->fail("remove", path);
}

std::vector<sftp_entry> sftp_client::list(const std::string& path) {
  auto* h =
      libssh2_sftp_open_ex(s_->sftp, path.c_str(), static_cast<unsigned>(path.size()), 0, 0, LIBSSH2_SFTP_OPENDIR);
  if (!h)
    s_->fail("list", path);
  std::vector<sftp_entry> out;
  char name[1024];
  while (true) {
    LIBSSH2_SFTP_ATTRIBUTES attrs{};
    const int n = libssh2_sftp_readdir_ex(h, name, sizeof name, nullptr, 0, &attrs);
    if (n < 0) {
      libssh2_sftp_close_handle(h);
      s_->fail("list", path);
    }
    if (n == 0)
      break;
    sftp_entry e;
    e.name.assign(name, static_cast<std::size_t>(n));
    if (e.name == "." || e.name == "..")
      continue;
    e.size = attrs.filesize;
    e.mtime = static_cast<std::int64_t>(attrs.mtime);
    e.regular = LIBSSH2_SFTP_S_ISREG(attrs.permissions);
    out.push_back(std::move(e));
  }
  libssh2_sftp_close_handle(h);
  return out;
}

} // namespace tunemantra::actors
