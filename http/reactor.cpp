#include "http/reactor.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string_view>

#include <fcntl.h>
#include <netdb.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "domain/log.hpp"
#include "domain/text.hpp"

namespace tunemantra::http {
namespace {

using steady = std::chrono::steady_clock;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

/// Writes a short answer without waiting for the client, drops what it already sent, and closes.
void answer_and_close(int fd, std::string_view status, std::string_view code, std::string_view message,
                      bool retry_after) {
  std::string body = R"({"data":null,"meta":{},"error":{"message":")";
  body += message;
  body += R"(","code":")";
  body += code;
  body += R"(","details":null}})";
  std::string answer = "HTTP/1.1 ";
  answer += status;
  answer += "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\nConnection: close\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
            "Referrer-Policy: no-referrer\r\nContent-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
            "X-Frame-Options: DENY\r\n";
  if (retry_after)
    answer += "Retry-After: 1\r\n";
  answer += "\r\n" + body;
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  [[maybe_unused]] const auto sent = ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
  // What the client sent and we did not read would make the kernel answer our close with a reset,
  // which can destroy the answer before it is read: read what is there first.
  std::array<char, 16384> scratch;
  for (int i = 0; i < 4 && ::recv(fd, scratch.data(), scratch.size(), 0) > 0; ++i) {
  }
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

} // namespace

void socket_address(int fd, bool remote, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  if ((remote ? ::getpeername(fd, sa, &len) : ::getsockname(fd, sa, &len)) != 0)
    return;
  char host[NI_MAXHOST];
  char serv[NI_MAXSERV];
  if (::getnameinfo(sa, len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(serv);
  }
}

struct connection_reactor::waiting {
  std::string bytes;
  steady::time_point deadline;
  bool parked = false; ///< no byte of a next request yet
};

connection_reactor::connection_reactor(reactor_limits limits, dispatch_fn dispatch)
    : limits_(std::move(limits)), dispatch_(std::move(dispatch)) {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_ < 0 || wake_ < 0)
    throw std::runtime_error("cannot create the HTTP reactor's epoll or eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
  thread_ = std::thread([this] { loop(); });
}

connection_reactor::~connection_reactor() {
  stop();
  ::close(epoll_);
  ::close(wake_);
}

void connection_reactor::shed(int fd, const std::string& why) {
  answer_and_close(fd, "503 Service Unavailable", "UNAVAILABLE", why, true);
}

void connection_reactor::add(int fd) {
  std::string address;
  int port = 0;
  socket_address(fd, true, address, port);
  std::string refused;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    auto& mine = per_client_[address];
    if (address_.size() >= limits_.max_connections)
      refused = "the server has as many connections as it takes; try again shortly";
    else if (limits_.max_per_client > 0 && mine >= limits_.max_per_client && !limits_.uncapped.contains(address))
      refused = "too many connections from your address; close some and try again";
    if (refused.empty()) {
      ++mine;
      address_[fd] = address;
      incoming_.emplace_back(fd, false);
    } else if (mine == 0) {
      per_client_.erase(address);
    }
  }
  if (!refused.empty()) {
    log::warn("connection shed", {{"remote", address}, {"why", refused}});
    return shed(fd, refused);
  }
  wake();
}

void connection_reactor::park(int fd) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      incoming_.emplace_back(fd, true);
      wake();
      return;
    }
    release(fd);
  }
  ::close(fd);
}

void connection_reactor::closing(int fd) {
  std::lock_guard lock(mutex_);
  release(fd);
}

void connection_reactor::release(int fd) {
  const auto it = address_.find(fd);
  if (it == address_.end())
    return;
  if (const auto c = per_client_.find(it->second); c != per_client_.end() && --c->second == 0)
    per_client_.erase(c);
  address_.erase(it);
}

void connection_reactor::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_)
      return;
    stopping_ = true;
  }
  wake();
  if (thread_.joinable())
    thread_.join();
}

void connection_reactor::wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_, &one, sizeof one);
}

void connection_reactor::watch(int fd, bool parked) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  auto w = std::make_unique<waiting>();
  w->parked = parked;
  w->deadline = steady::now() + (parked ? limits_.keep_alive_timeout : limits_.head_timeout);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    std::lock_guard lock(mutex_);
    release(fd);
    ::close(fd);
    return;
  }
  waiting_[fd] = std::move(w);
}

void connection_reactor::loop() {
  std::array<epoll_event, 128> events;
  auto swept = steady::now();
  for (;;) {
    std::vector<std::pair<int, bool>> incoming;
    {
      std::lock_guard lock(mutex_);
      if (stopping_)
        break;
      incoming.swap(incoming_);
    }
    for (const auto& [fd, parked] : incoming)
      watch(fd, parked);
    const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == wake_) {
        std::uint64_t count = 0;
        [[maybe_unused]] const auto r = ::read(wake_, &count, sizeof count);
      } else {
        on_readable(fd);
      }
    }
    if (const auto now = steady::now(); now - swept >= std::chrono::milliseconds{100}) {
      swept = now;
      expire();
    }
  }
  // Stopping: every connection waiting here, or handed over and not yet watched, is closed.
  std::vector<int> fds;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [fd, parked] : incoming_)
      fds.push_back(fd);
    incoming_.clear();
  }
  for (const auto& [fd, w] : waiting_)
    fds.push_back(fd);
  waiting_.clear();
  std::lock_guard lock(mutex_);
  for (const int fd : fds) {
    release(fd);
    ::close(fd);
  }
}

void connection_reactor::on_readable(int fd) {
  const auto it = waiting_.find(fd);
  if (it == waiting_.end())
    return;
  auto& w = *it->second;
  std::array<char, 16384> buf;
  const auto limit = limits_.head_max + limits_.body_buffer;
  while (w.bytes.size() < limit) {
    const auto n = ::recv(fd, buf.data(), std::min(buf.size(), limit - w.bytes.size()), 0);
    if (n > 0) {
      if (w.parked) { // the next request begins: its head has head_timeout from now
        w.parked = false;
        w.deadline = steady::now() + limits_.head_timeout;
      }
      w.bytes.append(buf.data(), static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      break;
    return drop(fd); // the client closed, or the connection broke
  }
  if (!complete(w))
    return;
  ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  auto bytes = std::move(w.bytes);
  waiting_.erase(it);
  if (dispatch_(fd, std::move(bytes)))
    return;
  {
    std::lock_guard lock(mutex_);
    release(fd);
  }
  log::warn("connection shed", {{"why", "no HTTP worker free and the queue full"}});
  shed(fd, "the server is busy; try again shortly");
}

bool connection_reactor::complete(const waiting& w) const {
  const std::string_view all = w.bytes;
  if (all.size() >= limits_.head_max)
    return true; // too long for a head: the worker's parser answers it
  // Empty lines before a request line are ignored (RFC 9112 §2.2).
  const auto start = std::min(all.find_first_not_of("\r\n"), all.size());
  std::size_t end = std::string_view::npos, body = 0;
  for (std::size_t at = start; at < all.size();) {
    const auto nl = all.find('\n', at);
    if (nl == std::string_view::npos)
      return false;
    if (nl == at || (nl == at + 1 && all[at] == '\r')) { // the empty line that ends the head
      end = nl + 1;
      break;
    }
    at = nl + 1;
  }
  if (end == std::string_view::npos)
    return false;
  // A small body with a plain Content-Length is read here too; anything else (chunked, Expect:
  // 100-continue, a large or doubtful length) is the worker's to read and judge.
  int lengths = 0;
  for (std::size_t at = all.find('\n', start) + 1; at < end;) {
    const auto nl = all.find('\n', at);
    const auto line = all.substr(at, nl - at);
    at = nl + 1;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos)
      continue;
    const auto name = domain::trim(line.substr(0, colon));
    const auto value = domain::trim(line.substr(colon + 1));
    if (iequals(name, "transfer-encoding") || iequals(name, "expect"))
      return true;
    if (iequals(name, "content-length")) {
      if (++lengths > 1 || value.empty() || value.size() > 12 ||
          value.find_first_not_of("0123456789") != std::string_view::npos)
        return true;
      body = std::stoul(std::string(value));
    }
  }
  return body > limits_.body_buffer || all.size() >= end + body;
}

void connection_reactor::expire() {
  const auto now = steady::now();
  std::vector<std::pair<int, bool>> late; // (fd, a request had begun)
  for (const auto& [fd, w] : waiting_)
    if (w->deadline <= now)
      late.emplace_back(fd, !w->parked && !w->bytes.empty());
  for (const auto& [fd, begun] : late) {
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    waiting_.erase(fd);
    {
      std::lock_guard lock(mutex_);
      release(fd);
    }
    if (begun) // a head (or small body) that did not arrive in time
      answer_and_close(fd, "408 Request Timeout", "REQUEST_TIMEOUT", "the request did not arrive in time", false);
    else
      ::close(fd);
  }
}

void connection_reactor::drop(int fd) {
  ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  waiting_.erase(fd);
  {
    std::lock_guard lock(mutex_);
    release(fd);
  }
  ::close(fd);
}

} // namespace tunemantra::http
