#include "http/connection.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <functional>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>
#include <openssl/ssl.h>

#include "domain/text.hpp"
#include "http/worker_pool.hpp"

namespace tunemantra::http {
namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

thread_local exchange* serving = nullptr;

/// Waits until `fd` is ready for `events` or `deadline` passes; true when ready (an error or
/// hang-up counts as ready: the next read or write reports it).
bool wait_ready(int fd, short events, steady::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady::now()).count();
    if (left <= 0)
      return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, INT_MAX)));
    if (n > 0)
      return true;
    if (n < 0 && errno != EINTR)
      return false;
  }
}

/// One client connection, plain or TLS: buffered reads and writes on a non-blocking socket, every
/// wait bounded by a deadline. While a request head is read the deadline is fixed (a client that
/// trickles its head is cut off when it passes); while a body is read, each gap is bounded and,
/// past read_timeout, so is its pace (edge_limits::min_rate); so is an answer's.
class socket_stream final : public httplib::Stream {
public:
  socket_stream(int fd, SSL* ssl, const edge_limits& limits) : fd_(fd), ssl_(ssl), limits_(limits), in_(16384) {
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
    int yes = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  }

  /// Bytes already read from the socket (by the reactor): read before anything more.
  void prime(const std::string& bytes) {
    if (bytes.size() > in_.size())
      in_.resize(bytes.size());
    std::copy(bytes.begin(), bytes.end(), in_.begin());
    begin_ = 0;
    end_ = bytes.size();
  }

  bool is_readable() const override { return buffered() || wait_ready(fd_, POLLIN, read_deadline()); }
  bool is_writable() const override { return wait_ready(fd_, POLLOUT, steady::now() + limits_.write_timeout); }

  ssize_t read(char* ptr, size_t size) override {
    if (!flush())
      return -1;
    if (begin_ == end_) {
      if (size >= in_.size()) { // large reads (bodies) skip the buffer
        const auto n = receive(ptr, size, read_deadline());
        consumed_ += static_cast<std::uint64_t>(std::max<ssize_t>(n, 0));
        return n;
      }
      const auto n = receive(in_.data(), in_.size(), read_deadline());
      if (n <= 0)
        return n;
      begin_ = 0;
      end_ = static_cast<std::size_t>(n);
    }
    const auto n = std::min(size, end_ - begin_);
    std::copy_n(in_.data() + begin_, n, ptr);
    begin_ += n;
    consumed_ += n;
    return static_cast<ssize_t>(n);
  }

  /// Answers are gathered and sent when the exchange ends (or before the next read), so a small
  /// answer leaves in one segment rather than head and body apart.
  ssize_t write(const char* ptr, size_t size) override {
    if (out_.size() + size > out_limit && !flush())
      return -1;
    if (size > out_limit)
      return send_all(ptr, size) ? static_cast<ssize_t>(size) : -1;
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { socket_address(fd_, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { socket_address(fd_, false, ip, port); }
  socket_t socket() const override { return fd_; }

  std::uint64_t consumed() const { return consumed_; }
  bool buffered() const { return begin_ < end_ || (ssl_ && ::SSL_pending(ssl_) > 0); }
  /// Reads of a request head must all be done by `deadline`.
  void head_by(steady::time_point deadline) { head_deadline_ = deadline; }
  /// Reads of a body wait at most read_timeout each, and keep to min_rate after the first read_timeout.
  void body_reads() {
    head_deadline_.reset();
    body_started_ = steady::now();
    body_from_ = consumed_;
  }

  bool flush() {
    if (out_.empty())
      return true;
    const bool ok = send_all(out_.data(), out_.size());
    out_.clear();
    return ok;
  }

  /// Waits up to `idle` for the next request; false when it does not come or `stopping` says so.
  bool wait_for_request(milliseconds idle, const std::function<bool()>& stopping) const {
    if (buffered())
      return true;
    const auto until = steady::now() + idle;
    while (!stopping()) {
      const auto slice = std::min(until, steady::now() + milliseconds{100});
      if (wait_ready(fd_, POLLIN, slice))
        return true;
      if (steady::now() >= until)
        return false;
    }
    return false;
  }

  /// Reads and drops `n` body bytes; false when the client stops sending first.
  bool discard(std::uint64_t n) {
    std::array<char, 16384> scratch;
    while (n > 0) {
      const auto got = read(scratch.data(), static_cast<std::size_t>(std::min<std::uint64_t>(n, scratch.size())));
      if (got <= 0)
        return false;
      n -= static_cast<std::uint64_t>(got);
    }
    return true;
  }

  /// Closes the connection. With `linger`, what the client is still sending (a body we did not
  /// read) is read and dropped for a moment first, so the kernel does not answer it with a reset
  /// that could destroy our answer before the client has read it.
  void close(bool linger) {
    flush();
    if (ssl_)
      ::SSL_shutdown(ssl_);
    if (linger && ::shutdown(fd_, SHUT_WR) == 0) {
      const auto until = steady::now() + limits_.linger;
      std::array<char, 16384> scratch;
      std::size_t dropped = 0;
      while (dropped < (1u << 20) && wait_ready(fd_, POLLIN, until)) {
        const auto n = ::recv(fd_, scratch.data(), scratch.size(), 0);
        if (n <= 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN)))
          break;
        dropped += static_cast<std::size_t>(std::max<ssize_t>(n, 0));
      }
    }
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
  }

private:
  static constexpr std::size_t out_limit = 64 * 1024;

  steady::time_point read_deadline() const {
    if (head_deadline_)
      return *head_deadline_;
    return std::min(steady::now() + limits_.read_timeout, paced(body_started_, consumed_ - body_from_));
  }

  /// When `bytes` begun at `since` must be through at min_rate: read_timeout of grace, then the pace.
  steady::time_point paced(steady::time_point since, std::uint64_t bytes) const {
    if (limits_.min_rate == 0)
      return steady::time_point::max();
    return since + limits_.read_timeout + milliseconds{bytes * 1000 / limits_.min_rate};
  }

  /// Some bytes into `p`: > 0, 0 at the end of the stream, -1 on an error or past `deadline`.
  ssize_t receive(char* p, std::size_t n, steady::time_point deadline) {
    for (;;) {
      if (ssl_) {
        const int r = ::SSL_read(ssl_, p, static_cast<int>(std::min<std::size_t>(n, INT_MAX)));
        if (r > 0)
          return r;
        const int e = ::SSL_get_error(ssl_, r);
        if (e == SSL_ERROR_ZERO_RETURN)
          return 0;
        if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) &&
            wait_ready(fd_, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline))
          continue;
        return -1;
      }
      const auto r = ::recv(fd_, p, n, 0);
      if (r >= 0)
        return r;
      if (errno == EINTR)
        continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || !wait_ready(fd_, POLLIN, deadline))
        return -1;
    }
  }

  /// Sends everything; each wait for the client to take more is bounded by write_timeout, and the
  /// whole by min_rate after the first write_timeout.
  bool send_all(const char* p, std::size_t n) {
    const auto started = steady::now();
    const auto total = n;
    while (n > 0) {
      ssize_t r;
      int want = POLLOUT;
      if (ssl_) {
        const int w = ::SSL_write(ssl_, p, static_cast<int>(std::min<std::size_t>(n, INT_MAX)));
        r = w;
        if (w <= 0) {
          const int e = ::SSL_get_error(ssl_, w);
          if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            return false;
          want = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
        }
      } else {
        r = ::send(fd_, p, n, MSG_NOSIGNAL);
        if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
          return false;
      }
      if (r > 0) {
        p += r;
        n -= static_cast<std::size_t>(r);
      } else if (!wait_ready(fd_, static_cast<short>(want),
                             std::min(steady::now() + limits_.write_timeout, paced(started, total - n)))) {
        return false;
      }
    }
    return true;
  }

  int fd_;
  SSL* ssl_;
  const edge_limits& limits_;
  std::vector<char> in_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::uint64_t consumed_ = 0;
  std::string out_;
  std::optional<steady::time_point> head_deadline_;
  steady::time_point body_started_ = steady::now();
  std::uint64_t body_from_ = 0; ///< consumed_ when the body began
};

SSL* accept_tls(int fd, SSL_CTX* ctx, steady::time_point deadline) {
  SSL* ssl = ::SSL_new(ctx);
  if (!ssl)
    return nullptr;
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  ::SSL_set_fd(ssl, fd);
  for (;;) {
    const int r = ::SSL_accept(ssl);
    if (r == 1)
      return ssl;
    const int e = ::SSL_get_error(ssl, r);
    if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) &&
        wait_ready(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline))
      continue;
    ::SSL_free(ssl);
    return nullptr;
  }
}

} // namespace

void exchange::close_after() {
  close_ = true;
  if (request_) { // what cpp-httplib reads to write `Connection: close` (and no Keep-Alive) on the answer
    request_->headers.erase("Connection");
    request_->headers.emplace("Connection", "close");
  }
}

exchange* current_exchange() { return serving; }

std::string client_address(const std::string& peer, const std::vector<std::string>& forwarded_for,
                           const std::unordered_set<std::string>& trusted_proxies) {
  if (forwarded_for.empty() || !trusted_proxies.contains(peer))
    return peer;
  std::vector<std::string> hops; // left to right, as the proxies appended them
  for (const auto& header : forwarded_for)
    for (std::size_t at = 0; at <= header.size();) {
      const auto comma = std::min(header.find(',', at), header.size());
      std::string hop(domain::trim(std::string_view(header).substr(at, comma - at)));
      in6_addr scratch;
      if (::inet_pton(AF_INET, hop.c_str(), &scratch) != 1 && ::inet_pton(AF_INET6, hop.c_str(), &scratch) != 1)
        return peer;
      hops.push_back(std::move(hop));
      at = comma + 1;
    }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it)
    if (!trusted_proxies.contains(*it))
      return *it;
  return hops.empty() ? peer : hops.front();
}

bool library_reads_body(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

/// Serves the requests of one connection, one exchange at a time.
class connection_loop {
public:
  using setup_fn = std::function<void(httplib::Request&)>;
  /// cpp-httplib's protected Server::process_request, which only the server may call.
  using process_fn = std::function<bool(httplib::Stream&, bool last, bool& closed, const setup_fn&)>;

  connection_loop(socket_stream& stream, SSL* ssl, const edge_limits& limits, std::function<bool()> stopping)
      : stream_(stream), ssl_(ssl), limits_(limits), stopping_(std::move(stopping)) {}

  /// How the connection leaves the loop.
  enum class ending { close, close_lingering, park };

  /// Serves requests until the connection must end, or (with `park_when_idle`) until nothing of a
  /// next request has arrived: then the reactor waits for it, not this thread.
  ending run(const process_fn& process, bool park_when_idle) {
    for (std::size_t served = 0; served < limits_.keep_alive_max; ++served) {
      if (park_when_idle && !stream_.buffered())
        return served > 0 && !stopping_() ? ending::park : ending::close;
      if (!park_when_idle && !stream_.wait_for_request(limits_.keep_alive_timeout, stopping_))
        break;
      exchange ex;
      serving = &ex;
      stream_.head_by(steady::now() + limits_.head_timeout);
      bool closed = false;
      const bool last = served + 1 == limits_.keep_alive_max;
      const bool ok = process(stream_, last, closed, [&](httplib::Request& req) { on_head(ex, req); });
      serving = nullptr;
      ex.request_ = nullptr;
      if (!ok || !stream_.flush())
        break;
      // A head cpp-httplib refused (400, 414) or one we refused leaves the wire unreadable.
      if (!ex.head_read_ || ex.close_ || !settle_body(ex))
        return ending::close_lingering;
      if (closed || last)
        break;
    }
    return ending::close;
  }

private:
  /// Called by cpp-httplib once the head is parsed, before routing and before the body is read.
  void on_head(exchange& ex, httplib::Request& req) {
    ex.request_ = &req;
    ex.head_read_ = true;
    ex.head_end_ = stream_.consumed();
    stream_.body_reads();
    if (ssl_)
      req.ssl = ssl_;
    if (!limits_.trusted_proxies.empty()) { // behind a proxy: the client it forwards for
      std::vector<std::string> forwarded;
      for (auto [it, end] = req.headers.equal_range("X-Forwarded-For"); it != end; ++it)
        forwarded.push_back(it->second);
      req.remote_addr = client_address(req.remote_addr, forwarded, limits_.trusted_proxies);
    }
    ex.frame_ = read_framing(req.version, req.headers);
    if (!ex.frame_.ok())
      return ex.close_after();
    if (ex.frame_.body == body_kind::none) { // cpp-httplib would read a POST without one until the client hangs up
      req.headers.erase("Content-Length");
      req.headers.emplace("Content-Length", "0");
    }
    ex.drainable_ = ex.frame_.body != body_kind::chunked && ex.frame_.length <= limits_.drain_max;
    if (ex.frame_.has_body() && !library_reads_body(req.method))
      ex.body_left_unread();
  }

  /// After the answer: true when nothing of this request is left on the wire (its body was read,
  /// or the rest of it is small enough to read and drop).
  bool settle_body(const exchange& ex) {
    const auto& f = ex.frame_;
    if (f.body == body_kind::chunked)
      return ex.body_read_;
    const auto read = stream_.consumed() - ex.head_end_;
    if (read >= f.length)
      return true;
    const auto rest = f.length - read;
    return rest <= limits_.drain_max && stream_.discard(rest);
  }

  socket_stream& stream_;
  SSL* ssl_;
  const edge_limits& limits_;
  std::function<bool()> stopping_;
};

namespace {

/// cpp-httplib's accept loop hands each accepted socket to its task queue: this one takes it on the
/// accept thread at once (to the reactor, or for TLS to a worker), so nothing queues unbounded.
class handover_queue final : public httplib::TaskQueue {
public:
  explicit handover_queue(std::function<void()> on_shutdown) : on_shutdown_(std::move(on_shutdown)) {}
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override { on_shutdown_(); }

private:
  std::function<void()> on_shutdown_;
};

/// What widen_listen_backlog needs of an edge server, whichever its base.
class listening {
public:
  virtual ~listening() = default;
  virtual void listen_backlog(int backlog) = 0;
};

template <class Base> class edge_server final : public Base, public listening {
public:
  void listen_backlog(int backlog) override {
    if (this->svr_sock_ != INVALID_SOCKET)
      ::listen(this->svr_sock_, backlog);
  }

  template <class... Args>
  explicit edge_server(const edge_limits& limits, Args&&... args)
      : Base(std::forward<Args>(args)...), limits_(limits),
        pool_(limits.workers, limits.queue, limits.stack_bytes),
        reactor_(waiting_limits(limits), [this](int fd, std::string bytes) {
          return pool_.submit([this, fd, bytes = std::move(bytes)] { serve(fd, bytes); });
        }) {
    this->new_task_queue = [this] { return new handover_queue([this] { stop_serving(); }); };
  }
  ~edge_server() override { stop_serving(); }

private:
  static reactor_limits waiting_limits(const edge_limits& limits) {
    auto w = limits.waiting;
    w.head_timeout = limits.head_timeout;
    w.keep_alive_timeout = limits.keep_alive_timeout;
    return w;
  }

  /// Called on the accept thread for each connection.
  bool process_and_close_socket(socket_t sock) override {
    if constexpr (std::is_same_v<Base, httplib::SSLServer>) {
      if (!pool_.submit([this, sock] { serve_tls(sock); }))
        connection_reactor::shed(sock, "the server is busy; try again shortly");
    } else {
      reactor_.add(sock);
    }
    return true;
  }

  bool stopping() const { return this->svr_sock_ == INVALID_SOCKET; }

  connection_loop::process_fn processor() {
    return [this](httplib::Stream& s, bool last, bool& closed, const connection_loop::setup_fn& setup) {
      return this->process_request(s, last, closed, setup);
    };
  }

  /// A plain connection with a complete request read (by the reactor): served until it is idle.
  void serve(int fd, const std::string& bytes) {
    socket_stream stream(fd, nullptr, limits_);
    stream.prime(bytes);
    connection_loop loop(stream, nullptr, limits_, [this] { return stopping(); });
    const auto end = loop.run(processor(), true);
    if (end == connection_loop::ending::park) {
      if (stream.flush())
        return reactor_.park(fd);
    }
    reactor_.closing(fd);
    stream.close(end == connection_loop::ending::close_lingering);
  }

  /// A TLS connection: handshake, then every request on it, on this worker.
  void serve_tls(int sock) {
    SSL* ssl = nullptr;
    if constexpr (std::is_same_v<Base, httplib::SSLServer>)
      ssl = accept_tls(sock, this->ssl_context(), steady::now() + limits_.head_timeout);
    if (!ssl) {
      ::close(sock);
      return;
    }
    {
      socket_stream stream(sock, ssl, limits_);
      connection_loop loop(stream, ssl, limits_, [this] { return stopping(); });
      const auto end = loop.run(processor(), false);
      stream.close(end == connection_loop::ending::close_lingering);
    }
    ::SSL_free(ssl);
  }

  void stop_serving() {
    reactor_.stop();
    pool_.shutdown();
  }

  edge_limits limits_;
  worker_pool pool_;
  connection_reactor reactor_;
};

} // namespace

void widen_listen_backlog(httplib::Server& server, int backlog) {
  if (auto* edge = dynamic_cast<listening*>(&server))
    edge->listen_backlog(backlog);
}

std::unique_ptr<httplib::Server> make_edge_server(const std::string& tls_cert_file, const std::string& tls_key_file,
                                                  const edge_limits& limits) {
  if (tls_cert_file.empty())
    return std::make_unique<edge_server<httplib::Server>>(limits);
  auto tls = std::make_unique<edge_server<httplib::SSLServer>>(limits, tls_cert_file.c_str(), tls_key_file.c_str());
  if (!tls->is_valid())
    throw std::runtime_error("cannot load TLS certificate " + tls_cert_file + " or key " + tls_key_file);
  return tls;
}

} // namespace tunemantra::http
