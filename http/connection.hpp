#pragma once
// The daemon's own connection loop around cpp-httplib. cpp-httplib (0.11) parses and answers one
// request at a time well, but its keep-alive loop leaves an unread body on the wire to be parsed
// as the next request, reads a body-less POST until the client hangs up, ignores a response's
// `Connection: close`, and waits on the socket while pipelined requests sit in its buffer. So the
// server overrides `process_and_close_socket` (a virtual that cpp-httplib's own SSLServer
// overrides too) and runs each connection here: its own buffered stream with deadlines, framing
// judged before routing (http/framing.hpp), every declared body read or discarded before the next
// request, or the connection closed after the answer.
//
// Plain HTTP connections wait in the reactor (http/reactor.hpp) whenever no request of theirs is
// complete, and go to a worker (http/worker_pool.hpp) only with a whole head (and a small body):
// slow and idle clients hold sockets, not threads. A TLS connection (its handshake needs a
// thread) is served by a worker from accept to close; production TLS belongs in front (nginx,
// systemd/nginx).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "http/framing.hpp"
#include "http/reactor.hpp"

namespace httplib {
class Server;
struct Request;
} // namespace httplib

namespace tunemantra::http {

struct edge_limits {
  std::chrono::milliseconds head_timeout{10'000};      ///< a whole request head, from its first byte
  std::chrono::milliseconds read_timeout{10'000};      ///< the longest gap between pieces of a body
  std::chrono::milliseconds write_timeout{10'000};     ///< the longest wait for the client to take more of an answer
  std::chrono::milliseconds keep_alive_timeout{5'000}; ///< an idle connection waits this long for its next request
  std::size_t keep_alive_max = 10'000;                 ///< requests on one connection
  std::uint64_t drain_max = 8u << 20;                  ///< unread body bytes discarded to keep the connection
  std::chrono::milliseconds linger{1'000};             ///< reading what a client still sends after we close
  /// A body, and an answer, must move at least this fast (bytes/s) once `read_timeout` has passed
  /// since it began (0: no floor): a client that sends or reads a byte every few seconds is cut off.
  std::uint64_t min_rate = 1024;
  std::size_t workers = 64;              ///< threads serving requests
  std::size_t queue = 256;               ///< complete requests waiting for a worker; beyond: 503
  std::size_t stack_bytes = 512 * 1024;  ///< each worker's stack
  reactor_limits waiting;                ///< connections between requests (head_timeout, keep_alive_timeout set from above)
  /// Proxies in front (nginx): from them, the client address is taken from X-Forwarded-For.
  std::unordered_set<std::string> trusted_proxies;
};

/// The client address of a request that came from `peer`: the right-most X-Forwarded-For entry
/// that is not a trusted proxy when `peer` is one (each proxy appends the address it saw), else
/// `peer`. An entry that is not an IP address makes the header untrustworthy: then `peer`.
std::string client_address(const std::string& peer, const std::vector<std::string>& forwarded_for,
                           const std::unordered_set<std::string>& trusted_proxies);

/// What the connection loop knows of the request this thread is serving. The middleware reads its
/// framing and tells it how the connection must end.
class exchange {
public:
  const framing& frame() const { return frame_; }
  /// The answer says `Connection: close` and the connection ends after it.
  void close_after();
  bool closing() const { return close_; }
  /// A handler read the body to its end (a chunked body's end cannot be counted from outside).
  void body_read() { body_read_ = true; }
  /// The answer leaves the body unread: the connection stays only if the rest can be dropped.
  void body_left_unread() {
    if (!drainable_)
      close_after();
  }

private:
  friend class connection_loop;
  httplib::Request* request_ = nullptr; ///< the request being served, to mark it `Connection: close`
  framing frame_;
  std::uint64_t head_end_ = 0; ///< stream bytes consumed when the head had been read
  bool head_read_ = false;
  bool close_ = false;
  bool body_read_ = false;
  bool drainable_ = true; ///< an unread body is small enough to read and drop after the answer
};

/// True for the methods whose body cpp-httplib reads (and hands to a handler's content reader);
/// a body on any other method is the connection loop's to drop.
bool library_reads_body(const std::string& method);

/// The exchange being served on this thread; null outside the connection loop.
exchange* current_exchange();

/// A cpp-httplib server (TLS when `tls_cert_file` is set) whose connections run through the loop.
/// Throws std::runtime_error when the certificate or key cannot be loaded.
std::unique_ptr<httplib::Server> make_edge_server(const std::string& tls_cert_file, const std::string& tls_key_file,
                                                  const edge_limits& limits);

/// After bind: lets `backlog` connections wait for accept. cpp-httplib listens with a backlog of 5,
/// so a burst of new connections waits out SYN retries (a second and more) however idle the
/// server is; Linux lets listen() be called again on the bound socket to change it.
void widen_listen_backlog(httplib::Server& server, int backlog);

} // namespace tunemantra::http
