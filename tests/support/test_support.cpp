#include "tests/support/test_support.hpp"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>
#include <libpq-fe.h>

namespace tunemantra::test {
namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::atomic<int> counter{0};

} // namespace

temp_dir::temp_dir() {
  std::string templ = (std::filesystem::temp_directory_path() / "tmtest-XXXXXX").string();
  if (!::mkdtemp(templ.data()))
    throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string pg_admin_url() {
  const std::filesystem::path file = std::filesystem::path(TM_PG_DIR) / "url";
  std::string url = read_file(file);
  while (!url.empty() && (url.back() == '\n' || url.back() == ' '))
    url.pop_back();
  if (url.empty())
    throw std::runtime_error("the PostgreSQL fixture is not running (no " + file.string()
                             + "); run the tests through ctest");
  return url;
}

void pg_admin_exec(const std::string& sql) {
  PGconn* conn = PQconnectdb(pg_admin_url().c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("admin connect failed: " + why);
  }
  PGresult* res = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(res);
  std::string why = PQerrorMessage(conn);
  PQclear(res);
  PQfinish(conn);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    throw std::runtime_error("admin SQL failed: " + sql + ": " + why);
}

pg_database::pg_database() {
  name_ = "tm_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  pg_admin_exec("CREATE DATABASE " + name_);
  const std::string admin = pg_admin_url();
  url_ = admin.substr(0, admin.rfind('/') + 1) + name_;
}

pg_database::~pg_database() {
  try {
    pg_admin_exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (...) {
    // the cluster is thrown away at the end anyway
  }
}

scratch_database::scratch_database(persistence::backend_kind backend) {
  if (backend == persistence::backend_kind::sqlite) {
    url_ = "sqlite://" + (dir_.path() / "tm.db").string();
  } else {
    pg_ = std::make_unique<pg_database>();
    url_ = pg_->url();
  }
}

std::string backend_name(const ::testing::TestParamInfo<persistence::backend_kind>& info) {
  return std::string(persistence::to_string(info.param));
}

config::database_config database_config_for(const std::string& url) {
  config::database_config cfg;
  cfg.url = url;
  cfg.pool_size = 4;
  cfg.lease_timeout_ms = 2000;
  cfg.connect_timeout_s = 2;
  return cfg;
}

process::process(const std::string& path, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env) {
  const auto out_path = (dir_.path() / "stdout").string();
  const auto err_path = (dir_.path() / "stderr").string();
  pid_ = ::fork();
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int in = ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    // Uploaded media go to this process's own folder unless the test says otherwise.
    ::setenv("TUNEMANTRA_MEDIA_DIR", (dir_.path() / "media").c_str(), 1);
    for (const auto& [k, v] : env)
      ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(path.c_str()));
    for (const auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
}

process::~process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  }
}

std::optional<int> process::wait(std::chrono::milliseconds timeout) {
  if (status_)
    return status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int raw = 0;
    const int r = ::waitpid(pid_, &raw, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
      return status_;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void process::signal(int sig) {
  if (!status_)
    ::kill(pid_, sig);
}

bool process::running() { return !wait(std::chrono::milliseconds(0)).has_value(); }

std::string process::err() const { return read_file(dir_.path() / "stderr"); }
std::string process::out() const { return read_file(dir_.path() / "stdout"); }

bool process::wait_for_log(const std::string& needle, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (err().find(needle) != std::string::npos)
      return true;
    if (!running())
      return err().find(needle) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string raw_http(int port, const std::string& request, std::chrono::milliseconds timeout, const std::string& from) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (!from.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, from.c_str(), &local.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      ::close(fd);
      return {};
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return {};
  }
  timeval tv{};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) {
    ::close(fd);
    return {};
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break;
    out.append(buf, static_cast<std::size_t>(n));
    // A complete answer with Content-Length is enough; do not wait for the close.
    const auto head_end = out.find("\r\n\r\n");
    const auto cl = out.find("Content-Length: ");
    if (head_end != std::string::npos && cl != std::string::npos && cl < head_end) {
      const auto length = std::stoul(out.substr(cl + 16));
      if (out.size() >= head_end + 4 + length)
        break;
    }
  }
  ::close(fd);
  return out;
}

raw_answers raw_http_all(int port, const std::string& request, std::chrono::milliseconds quiet) {
  raw_answers out;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
      || ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) {
    ::close(fd);
    return out;
  }
  timeval tv{};
  tv.tv_sec = quiet.count() / 1000;
  tv.tv_usec = (quiet.count() % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[4096];
  for (;;) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      out.closed = n == 0 || errno == ECONNRESET;
      break;
    }
    out.text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  for (std::size_t at = 0; (at = out.text.find("HTTP/1.1 ", at)) != std::string::npos; at += 9)
    if (at == 0 || out.text.compare(at - 2, 2, "\r\n") == 0 || out.text[at - 1] == '}')
      out.statuses.push_back(std::atoi(out.text.c_str() + at + 9));
  return out;
}

http_answer http_get(int port, const std::string& path) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(std::chrono::seconds(2));
  cli.set_read_timeout(std::chrono::seconds(10));
  auto res = cli.Get(path);
  http_answer out;
  if (!res)
    return out;
  out.status = res->status;
  out.body = res->body;
  for (const auto& [k, v] : res->headers)
    out.headers[k] = v;
  return out;
}

void kill_daemon_repeatedly(const std::map<std::string, std::string>& env, int kills, unsigned seed, int min_ms,
                            int max_ms, const std::function<void()>& after_kill) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pause_ms(min_ms, max_ms);
  for (int k = 0; k < kills; ++k) {
    process d{TM_DAEMON_PATH, {}, env};
    ASSERT_TRUE(d.wait_for_log("daemon started", std::chrono::seconds(30))) << d.err();
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    d.signal(SIGKILL);
    ASSERT_EQ(d.wait(std::chrono::seconds(10)), 128 + SIGKILL);
    if (after_kill)
      after_kill();
  }
}

} // namespace tunemantra::test
