// The real tunemantrad under slow and idle clients, on raw sockets from several loopback addresses:
// heads trickled a line at a time, bodies a byte at a time, connections left idle after a request,
// far more of each than the daemon has workers. Throughout, GET /healthz and an authenticated GET
// from another address must answer 200 within a second. Slow clients are cut off on time; too many
// connections from one address, or more work than the workers and their queue take, get a fast 503.

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "domain/auth.hpp"
#include "persistence/store.hpp"
#include "tests/support/delivery_seed.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr int workers = 4;
constexpr int queue = 40; ///< requests waiting for a worker

/// A TCP connection to the daemon from `from` (127.0.0.x), blocking, or -1.
int connect_from(int port, const std::string& from) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, from.c_str(), &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_text(int fd, const std::string& text) {
  return ::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
}

/// What arrives within `wait`; stops early at the end of the stream.
std::string receive(int fd, std::chrono::milliseconds wait, bool* closed = nullptr) {
  std::string got;
  const auto until = steady::now() + wait;
  char buf[8192];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - steady::now()).count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0)
      break;
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed)
        *closed = true;
      break;
    }
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

class slow_clients : public ::testing::Test {
protected:
  void SetUp() override {
    {
      auto store = persistence::open_store(test::database_config_for(db_url_));
      store->migrate();
      const auto account = test::seed_account(*store);
      key_ = store->accounts()
                 .create_key(account.user_id, "probe", {"catalog:read", "analytics:write"}, std::nullopt)
                 .secret;
    }
    env_ = {{"TUNEMANTRA_DATABASE_URL", db_url_},
            {"TUNEMANTRA_HTTP_PORT", std::to_string(port_)},
            {"TUNEMANTRA_HTTP_THREADS", std::to_string(workers)},
            {"TUNEMANTRA_HTTP_MAX_LONG_POLLS", "1"},
            {"TUNEMANTRA_HTTP_ACCEPT_QUEUE", std::to_string(queue)},
            {"TUNEMANTRA_HTTP_MAX_CONNECTIONS_PER_CLIENT", "16"},
            {"TUNEMANTRA_HTTP_READ_TIMEOUT_MS", "2000"},
            {"TUNEMANTRA_HTTP_MIN_RATE_BYTES_PER_S", "1024"},
            {"TUNEMANTRA_AUTH_SCRYPT_LOG_N", "14"},
            {"TUNEMANTRA_MEDIA_DIR", (dir_.path() / "media").string()}};
    daemon_ = std::make_unique<test::process>(TM_DAEMON_PATH, std::vector<std::string>{}, env_);
    ASSERT_TRUE(daemon_->wait_for_log("daemon started", 20s)) << daemon_->err();
  }

  void TearDown() override {
    for (const int fd : held_)
      ::close(fd);
  }

  /// One request on a fresh connection from 127.0.0.1; its status (0: none) and how long it took.
  std::pair<int, std::chrono::milliseconds> timed(const std::string& path, bool with_key) {
    const auto t0 = steady::now();
    const int fd = connect_from(port_, "127.0.0.1");
    if (fd < 0)
      return {0, 0ms};
    send_text(fd, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" +
                      (with_key ? "Authorization: Bearer " + key_ + "\r\n" : "") + "\r\n");
    const auto answer = receive(fd, 3s);
    ::close(fd);
    const int status = answer.starts_with("HTTP/1.1 ") ? std::atoi(answer.c_str() + 9) : 0;
    return {status, std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0)};
  }

  /// Probes /healthz and an authenticated GET every 100 ms while `attack` runs; every one must be a
  /// 200 within a second.
  void probe_while(const std::function<void(const std::atomic<bool>&)>& attack, std::chrono::milliseconds length) {
    std::atomic<bool> done{false};
    std::thread attacker([&] { attack(done); });
    std::this_thread::sleep_for(300ms); // the attack in place
    int probes = 0;
    const auto until = steady::now() + length;
    while (steady::now() < until) {
      for (const auto& [path, key] : {std::pair{"/healthz", false}, std::pair{"/api/releases?limit=1", true}}) {
        const auto [status, took] = timed(path, key);
        EXPECT_EQ(status, 200) << path << " during the attack";
        EXPECT_LT(took, 1000ms) << path << " during the attack";
        ++probes;
      }
      std::this_thread::sleep_for(100ms);
    }
    done = true;
    attacker.join();
    EXPECT_GT(probes, 10);
  }

  /// The head of a 10 MB sales report upload (a route that streams its body), and its first bytes.
  std::string big_upload() const {
    return "POST /api/sales-reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key_ +
           "\r\nContent-Type: text/csv\r\nContent-Length: 10000000\r\n\r\nplatform,period";
  }

  /// An attack: `first` on every connection, then `then` on each every `every` until it is done.
  static std::function<void(const std::atomic<bool>&)> trickle(std::vector<int> fds, std::string first,
                                                               std::string then, std::chrono::milliseconds every) {
    return [=](const std::atomic<bool>& done) {
      for (const int fd : fds)
        send_text(fd, first);
      while (!done) {
        for (const int fd : fds)
          send_text(fd, then);
        std::this_thread::sleep_for(every);
      }
    };
  }

  /// `per_address` connections from each of 127.0.0.2 .. 127.0.0.(1 + addresses).
  std::vector<int> open_many(int addresses, int per_address) {
    std::vector<int> fds;
    for (int a = 0; a < addresses; ++a)
      for (int i = 0; i < per_address; ++i)
        if (const int fd = connect_from(port_, "127.0.0." + std::to_string(2 + a)); fd >= 0) {
          fds.push_back(fd);
          held_.push_back(fd);
        }
    return fds;
  }

  test::temp_dir dir_;
  std::string db_url_ = "sqlite://" + (dir_.path() / "tm.db").string();
  int port_ = test::free_port();
  std::map<std::string, std::string> env_;
  std::unique_ptr<test::process> daemon_;
  std::string key_;
  std::vector<int> held_;
};

TEST_F(slow_clients, heads_trickled_a_line_at_a_time_hold_no_worker_and_are_cut_off) {
  const auto fds = open_many(6, 8); // 48 connections: 12x the workers
  ASSERT_EQ(fds.size(), 48u);
  // A header line every 400 ms: the heads never end.
  probe_while(trickle(fds, "GET /healthz HTTP/1.1\r\nHost: x\r\n", "X-Slow: 1\r\n", 400ms), 2500ms);
  // A head must be whole within read_timeout (2 s) of its first byte: then it is answered 408 and closed.
  const int late = connect_from(port_, "127.0.0.30");
  ASSERT_GE(late, 0);
  held_.push_back(late);
  send_text(late, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
  bool closed = false;
  const auto answer = receive(late, 3500ms, &closed);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 408")) << answer;
  EXPECT_NE(answer.find(R"("code":"REQUEST_TIMEOUT")"), std::string::npos) << answer;
  EXPECT_TRUE(closed);
}

TEST_F(slow_clients, idle_keep_alive_connections_wait_without_a_worker) {
  const auto fds = open_many(4, 2 * workers); // 32 connections, 8x the workers, each served once then idle
  for (const int fd : fds)
    send_text(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  for (const int fd : fds)
    EXPECT_TRUE(receive(fd, 50ms).starts_with("HTTP/1.1 200")) << "each is answered";
  probe_while([](const std::atomic<bool>&) {}, 1500ms);
  // Still open (keep-alive), and still served when they speak again.
  send_text(fds.back(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(receive(fds.back(), 1s).starts_with("HTTP/1.1 200"));
}

TEST_F(slow_clients, bodies_sent_a_byte_at_a_time_hold_no_worker_and_a_large_one_is_cut_at_the_minimum_rate) {
  const auto small = open_many(4, 8); // 32 logins of a 2 KiB body, a byte every 100 ms
  probe_while(trickle(small,
                      "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Content-Length: 2048\r\n\r\n{",
                      " ", 100ms),
              1800ms);
  // A body too large to wait for in the reactor goes to a worker, which cuts it once it falls below
  // 1 KiB/s after read_timeout (2 s): well before it would end.
  const int big = connect_from(port_, "127.0.0.20");
  ASSERT_GE(big, 0);
  held_.push_back(big);
  send_text(big, big_upload());
  const auto t0 = steady::now();
  bool closed = false;
  for (int i = 0; i < 60 && !closed; ++i) { // 100 bytes/s
    send_text(big, std::string(10, ' '));
    receive(big, 100ms, &closed);
  }
  EXPECT_TRUE(closed) << "a 100 bytes/s body is still read after 6 s";
  EXPECT_LT(steady::now() - t0, 5s);
}

TEST_F(slow_clients, more_requests_than_workers_and_queue_take_get_a_fast_503) {
  // Every worker held by a large body sent slowly (each is cut at the minimum rate, after 2 s) ...
  std::vector<int> hogs;
  for (int i = 0; i < workers; ++i) {
    const int fd = connect_from(port_, "127.0.0." + std::to_string(40 + i));
    held_.push_back(fd);
    hogs.push_back(fd);
    send_text(fd, big_upload());
  }
  std::this_thread::sleep_for(300ms);
  // ... then more complete requests than the queue holds: the queue's worth wait, the rest are
  // answered 503 at once.
  const auto fds = open_many(4, 15);
  for (const int fd : fds)
    send_text(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  int shed = 0;
  const auto t0 = steady::now();
  for (const int fd : fds)
    if (receive(fd, 20ms).starts_with("HTTP/1.1 503"))
      ++shed;
  EXPECT_EQ(shed, 60 - queue);
  EXPECT_LT(steady::now() - t0, 1500ms);
  // The waiting ones are served once the hogs are cut off.
  std::this_thread::sleep_for(2500ms);
  int served = 0;
  for (const int fd : fds)
    if (receive(fd, 30ms).starts_with("HTTP/1.1 200"))
      ++served;
  EXPECT_EQ(served, queue);
}

TEST_F(slow_clients, too_many_connections_from_one_address_get_a_fast_503) {
  const auto fds = open_many(1, 16); // the cap
  std::this_thread::sleep_for(200ms);
  const int over = connect_from(port_, "127.0.0.2");
  ASSERT_GE(over, 0);
  held_.push_back(over);
  const auto t0 = steady::now();
  bool closed = false;
  const auto answer = receive(over, 2s, &closed);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 503")) << answer << daemon_->err();
  EXPECT_NE(answer.find("Retry-After: 1"), std::string::npos) << answer;
  EXPECT_NE(answer.find(R"("code":"UNAVAILABLE")"), std::string::npos) << answer;
  EXPECT_TRUE(closed);
  EXPECT_LT(steady::now() - t0, 500ms);
  // Other addresses are served as ever, and once one closes, that address is again.
  EXPECT_EQ(timed("/healthz", false).first, 200);
  ::close(fds[0]);
  held_.erase(std::find(held_.begin(), held_.end(), fds[0]));
  std::this_thread::sleep_for(200ms);
  const int again = connect_from(port_, "127.0.0.2");
  held_.push_back(again);
  send_text(again, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(receive(again, 1s).starts_with("HTTP/1.1 200"));
}

} // namespace
} // namespace tunemantra
