#include "tests/support/sshd.hpp"

#include <csignal>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tunemantra::test {
namespace {

using namespace std::chrono_literals;

std::string run(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen((command + " 2>&1").c_str(), "r")) {
    char buf[4096];
    while (const auto n = std::fread(buf, 1, sizeof buf, p))
      out.append(buf, n);
    if (::pclose(p) != 0)
      throw std::runtime_error(command + " failed: " + out);
    return out;
  }
  throw std::runtime_error("cannot run " + command);
}

/// "256 SHA256:abc... comment (ED25519)" -> "SHA256:abc..."
std::string fingerprint(const std::filesystem::path& public_key) {
  const auto line = run("ssh-keygen -E sha256 -lf '" + public_key.string() + "'");
  const auto from = line.find("SHA256:");
  return line.substr(from, line.find(' ', from) - from);
}

void keygen(const std::filesystem::path& file) {
  run("ssh-keygen -q -t ed25519 -N '' -C tunemantra-test -f '" + file.string() + "'");
}

} // namespace

sshd_server::sshd_server() {
  const auto dir = dir_.path();
  keygen(dir / "host_key");
  keygen(dir / "other_host_key");
  keygen(dir / "user_key");
  keygen(dir / "stranger_key");
  std::filesystem::copy_file(dir / "user_key.pub", dir / "authorized_keys");
  std::filesystem::create_directories(root());
  host_sha256_ = fingerprint(dir / "host_key.pub");
  other_sha256_ = fingerprint(dir / "other_host_key.pub");
  user_ = ::getpwuid(::getuid())->pw_name;
  if (::getuid() == 0)
    ::mkdir("/run/sshd", 0755); // sshd started as root wants its privilege separation folder
  port_ = free_port();
  std::ofstream(dir / "sshd_config") << "Port " << port_ << "\n"
                                     << "ListenAddress 127.0.0.1\n"
                                     << "HostKey " << (dir / "host_key").string() << "\n"
                                     << "PidFile " << (dir / "sshd.pid").string() << "\n"
                                     << "AuthorizedKeysFile " << (dir / "authorized_keys").string() << "\n"
                                     << "PubkeyAuthentication yes\nPasswordAuthentication no\n"
                                     << "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
                                     << "PermitRootLogin prohibit-password\n"
                                     << "Subsystem sftp internal-sftp\nForceCommand internal-sftp\n"
                                     << "MaxStartups 100\nMaxSessions 100\nLogLevel ERROR\n";
  sshd_ = std::make_unique<process>("/usr/sbin/sshd",
                                    std::vector<std::string>{"-D", "-e", "-f", (dir / "sshd_config").string()});
  for (int i = 0; i < 200; ++i) {
    if (raw_http(port_, "", 100ms).starts_with("SSH-"))
      return;
    if (!sshd_->running())
      throw std::runtime_error("sshd exited: " + sshd_->err());
    std::this_thread::sleep_for(25ms);
  }
  throw std::runtime_error("sshd did not start: " + sshd_->err());
}

sshd_server::~sshd_server() {
  if (sshd_) {
    kill_sessions();
    sshd_->signal(SIGTERM);
    sshd_->wait(5s);
  }
}

nlohmann::json sshd_server::connector(const std::filesystem::path& path) const {
  return {{"type", "sftp"},
          {"host", "127.0.0.1"},
          {"port", port_},
          {"username", user_},
          {"privateKeyFile", user_key().string()},
          {"hostKeySha256", host_sha256_},
          {"path", path.string()},
          {"recipientDpid", "PADPIDA2011072101T"},
          {"recipientName", "Example DSP"}};
}

int sshd_server::kill_sessions() {
  // Each session is a child of the listening sshd: found through /proc/<pid>/stat's parent field.
  int killed = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos)
      continue;
    char state = 0;
    int parent = 0;
    if (std::sscanf(line.c_str() + close + 1, " %c %d", &state, &parent) == 2 && parent == sshd_->pid() &&
        ::kill(std::stoi(name), SIGKILL) == 0)
      ++killed;
  }
  return killed;
}

} // namespace tunemantra::test
