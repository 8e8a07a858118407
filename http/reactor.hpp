#pragma once
// The connections no worker is serving: a new connection until its request head (and a small body)
// has arrived, and an idle keep-alive connection until its next request begins. One thread waits on
// all of them with epoll, so a client that trickles its head, sends a small body slowly or just
// holds a connection open costs a socket, never a worker thread (http/worker_pool.hpp). A complete
// request goes to `dispatch`; what cannot be taken (no worker free and the queue full, too many
// connections in all or from one client address) is shed at once with a 503 and closed.
//
// It also owns the count of open connections per client address, for every connection from its
// accept to its close, wherever it is served: workers call closing() before they close one.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace tunemantra::http {

struct reactor_limits {
  std::chrono::milliseconds head_timeout{10'000};      ///< a request head (and small body) from its first byte
  std::chrono::milliseconds keep_alive_timeout{5'000}; ///< an idle connection waits this long for its next request
  std::size_t max_connections = 4096;                  ///< open connections in all
  std::size_t max_per_client = 128;                    ///< open connections from one address; 0: no cap
  std::unordered_set<std::string> uncapped;            ///< addresses without a cap (trusted proxies)
  std::size_t head_max = 64 * 1024;                    ///< bytes kept before handing a head on regardless
  std::size_t body_buffer = 64 * 1024;                 ///< a body of up to this is read before dispatch
};

/// The numeric address and port of a socket's peer (`remote`) or of its own end; left as they are
/// when the socket has none.
void socket_address(int fd, bool remote, std::string& ip, int& port);

class connection_reactor {
public:
  /// Hands a connection with its first bytes (a whole head, and a small body whole) to a worker;
  /// false when none can take it (the reactor then sheds it).
  using dispatch_fn = std::function<bool(int fd, std::string bytes)>;

  connection_reactor(reactor_limits limits, dispatch_fn dispatch);
  ~connection_reactor();
  connection_reactor(const connection_reactor&) = delete;
  connection_reactor& operator=(const connection_reactor&) = delete;

  /// A new connection (from the accept thread).
  void add(int fd);
  /// A keep-alive connection whose worker has nothing more to read: wait for its next request.
  void park(int fd);
  /// A worker is about to close `fd` (call before ::close, so the number is not reused meanwhile).
  void closing(int fd);
  /// Closes every connection it holds and stops; later add/park close at once.
  void stop();

  /// Writes a 503 answer without waiting and closes `fd` (also for callers outside the reactor).
  static void shed(int fd, const std::string& why);

private:
  struct waiting;
  void loop();
  void wake();
  void watch(int fd, bool parked);
  void on_readable(int fd);
  void expire();
  void drop(int fd);
  bool complete(const waiting& w) const;
  void release(int fd); ///< forget fd's client address (locked)

  reactor_limits limits_;
  dispatch_fn dispatch_;
  int epoll_ = -1, wake_ = -1;
  mutable std::mutex mutex_;
  bool stopping_ = false;
  std::unordered_map<int, std::string> address_;            ///< every open connection -> its client address
  std::unordered_map<std::string, std::size_t> per_client_; ///< open connections per address
  std::vector<std::pair<int, bool>> incoming_;              ///< (fd, parked) handed over, for the loop to watch
  // The loop thread's own: what it waits on.
  std::unordered_map<int, std::unique_ptr<waiting>> waiting_;
  std::thread thread_;
};

} // namespace tunemantra::http
