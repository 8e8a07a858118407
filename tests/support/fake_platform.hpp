#pragma once
// A fake streaming platform for delivery tests: a real HTTP server on 127.0.0.1 that takes the
// http connector's POSTs, dedupes them by Idempotency-Key (the MessageId) as a real platform
// must, and can be told to answer slowly, fail the first N tries of each message with 503, drop
// the connection in the middle of the answer to the first N tries (after accepting the message,
// the worst moment for a sender), or refuse everything with a fixed status. It counts, per MessageId, how often a message arrived
// and how often it was accepted, and the most requests it ever handled at once.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace tunemantra::test {

class fake_platform {
public:
  struct behaviour {
    int delay_ms = 0;        ///< every request waits this long before answering
    int fail_first = 0;      ///< the first N tries of each message get 503
    int status = 0;          ///< non-zero: every request gets this status (e.g. 400)
    int drop_first = 0;      ///< the first N tries of each message are accepted, then the connection drops mid-answer
  };

  fake_platform();
  ~fake_platform();
  fake_platform(const fake_platform&) = delete;
  fake_platform& operator=(const fake_platform&) = delete;

  void set(const behaviour& b);
  std::string url() const; ///< http://127.0.0.1:<port>/ingest

  int received(const std::string& message_id) const;
  int accepted(const std::string& message_id) const;
  int total_received() const;
  /// Repeat sends of a MessageId already accepted (answered as already delivered, not accepted again).
  int duplicates() const;
  /// Distinct MessageIds received: a sender that resends under a new id would make a real
  /// platform accept one release twice.
  int distinct_messages() const;
  int peak_concurrency() const { return peak_; }
  /// Answers cut off by closing the connection (drop_first).
  int dropped() const { return dropped_; }

private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  behaviour behaviour_;
  std::map<std::string, int> received_, accepted_;
  std::atomic<int> in_flight_{0}, peak_{0}, dropped_{0};
};

} // namespace tunemantra::test
