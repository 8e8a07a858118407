#include "persistence/pg_channel.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include "domain/log.hpp"
#include "persistence/libpq.hpp"

namespace tunemantra::persistence {
namespace {

constexpr const char* channel = "tunemantra_jobs";
constexpr std::size_t max_payload = 7900; ///< PostgreSQL takes up to 8000 bytes per notification
constexpr auto reconnect_every = std::chrono::milliseconds(500);

/// A payload is a comma-separated list of job ids, `*` (any job may have changed) and `+` (new work).
void parse_payload(std::string_view rest, pg_channel::news& into) {
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto item = rest.substr(0, comma);
    std::int64_t id = 0;
    if (item == "*")
      into.all = true;
    else if (item == "+")
      into.work = true;
    else if (std::from_chars(item.data(), item.data() + item.size(), id).ec == std::errc{} && id > 0)
      into.jobs.insert(id);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
}

std::string payload_of(const pg_channel::news& n) {
  std::string out = n.work ? "+" : "";
  if (n.all)
    return out + (out.empty() ? "*" : ",*");
  for (const auto id : n.jobs) {
    const auto item = std::to_string(id);
    if (out.size() + item.size() + 3 > max_payload)
      return out + (out.empty() ? "*" : ",*"); // too many to list: everyone looks again
    out += (out.empty() ? "" : ",") + item;
  }
  return out;
}

} // namespace

pg_channel::pg_channel(std::string conninfo, handler on_change, std::chrono::milliseconds debounce)
  : conninfo_(std::move(conninfo)), on_change_(std::move(on_change)), debounce_(debounce),
    wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)), thread_([this] { run(); }) {}

pg_channel::~pg_channel() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake();
  if (thread_.joinable())
    thread_.join();
  if (wake_fd_ >= 0)
    ::close(wake_fd_);
}

void pg_channel::wake() {
  const std::uint64_t one = 1;
  if (wake_fd_ >= 0)
    (void)!::write(wake_fd_, &one, sizeof one);
}

template <class F>
void pg_channel::queue(F add) {
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    first = pending_.jobs.empty() && !pending_.all && !pending_.work;
    if (first)
      first_pending_ = std::chrono::steady_clock::now();
    add(pending_);
  }
  if (first)
    wake();
}

void pg_channel::changed(std::int64_t job) {
  queue([job](news& n) { n.jobs.insert(job); });
}

void pg_channel::changed_all() {
  queue([](news& n) { n.all = true; });
}

void pg_channel::new_work() {
  queue([](news& n) { n.work = true; });
}

void pg_channel::run() {
  // Signals are the daemon's main thread's business (it may start this thread before it blocks them).
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  pq::connection conn{nullptr, &PQfinish};
  bool was_connected = false;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_)
        return;
    }
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
      conn = pq::connect(conninfo_);
      if (PQstatus(conn.get()) != CONNECTION_OK || !pq::ok(pq::exec(conn.get(), std::string("LISTEN ") + channel))) {
        if (was_connected)
          log::warn("job channel lost its connection; retrying", {{"error", PQerrorMessage(conn.get())}});
        was_connected = false;
        conn.reset();
        std::this_thread::sleep_for(reconnect_every); // queued changes wait; the stop is seen next round
        continue;
      }
      // (Re)connected: notifications may have been missed meanwhile, so everyone looks again.
      on_change_(news{{}, true, true});
      was_connected = true;
      log::info("job channel listening", {{"channel", channel}});
    }
    // Send what is due: everything queued once the debounce window since the first change passed.
    news out;
    auto wait = std::chrono::milliseconds(1000);
    {
      std::lock_guard lock(mutex_);
      if (!pending_.jobs.empty() || pending_.all || pending_.work) {
        const auto due = first_pending_ + debounce_;
        const auto now = std::chrono::steady_clock::now();
        if (now >= due)
          std::swap(out, pending_);
        else
          wait = std::chrono::ceil<std::chrono::milliseconds>(due - now);
      }
    }
    if (!out.jobs.empty() || out.all || out.work) {
      const auto payload = payload_of(out);
      // Lost with a broken connection: the other nodes' polling covers it.
      pq::exec(conn.get(), std::string("SELECT pg_notify('") + channel + "', $1)", {payload});
      continue; // look for more at once
    }
    pollfd fds[2] = {{PQsocket(conn.get()), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    ::poll(fds, 2, static_cast<int>(std::max<long long>(wait.count(), 1)));
    if (fds[1].revents & POLLIN) {
      std::uint64_t drained = 0;
      (void)!::read(wake_fd_, &drained, sizeof drained);
    }
    if (!PQconsumeInput(conn.get()))
      continue; // broken: the top of the loop reconnects
    news heard;
    bool any = false;
    const int me = PQbackendPID(conn.get());
    while (PGnotify* note = PQnotifies(conn.get())) {
      if (note->be_pid != me) { // our own notifications come back too
        parse_payload(note->extra, heard);
        any = true;
      }
      PQfreemem(note);
    }
    if (any)
      on_change_(heard);
  }
}

} // namespace tunemantra::persistence
