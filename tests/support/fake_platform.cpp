#include "tests/support/fake_platform.hpp"

#include <chrono>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace tunemantra::test {

fake_platform::fake_platform() : server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(32); };
  server_->Post("/ingest", [this](const httplib::Request& req, httplib::Response& res) {
    const int now = ++in_flight_;
    for (int seen = peak_.load(); now > seen && !peak_.compare_exchange_weak(seen, now);) {
    }
    behaviour b;
    {
      std::lock_guard lock(mutex_);
      b = behaviour_;
    }
    if (b.delay_ms)
      std::this_thread::sleep_for(std::chrono::milliseconds(b.delay_ms));
    const auto id = req.get_header_value("Idempotency-Key");
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    std::lock_guard lock(mutex_);
    const int tries = ++received_[id];
    if (id.empty() || body.is_discarded() || !body.contains("ern")) {
      res.status = 400;
      res.set_content(R"({"error":"no Idempotency-Key or no ERN"})", "application/json");
    } else if (b.status) {
      res.status = b.status;
      res.set_content(R"({"error":"refused by the fake platform"})", "application/json");
    } else if (tries <= b.fail_first) {
      res.status = 503;
      res.set_content(R"({"error":"try again"})", "application/json");
    } else {
      // A MessageId seen before is acknowledged again but accepted only once.
      if (accepted_[id] == 0)
        accepted_[id] = 1;
      else
        ++accepted_[id + "#again"];
      const auto receipt = nlohmann::json{{"receiptId", "R-" + id}}.dump();
      if (tries <= b.drop_first) {
        // Headers and half the body go out, then the provider gives up and the server closes
        // the connection: the sender cannot know the message was accepted.
        ++dropped_;
        res.set_content_provider(receipt.size(), "application/json",
                                 [receipt](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                   if (offset > 0)
                                     return false;
                                   sink.write(receipt.data(), receipt.size() / 2);
                                   return true;
                                 });
      } else {
        res.set_content(receipt, "application/json");
      }
    }
    --in_flight_;
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

fake_platform::~fake_platform() {
  server_->stop();
  thread_.join();
}

void fake_platform::set(const behaviour& b) {
  std::lock_guard lock(mutex_);
  behaviour_ = b;
}

std::string fake_platform::url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/ingest"; }

int fake_platform::received(const std::string& message_id) const {
  std::lock_guard lock(mutex_);
  const auto it = received_.find(message_id);
  return it == received_.end() ? 0 : it->second;
}

int fake_platform::accepted(const std::string& message_id) const {
  std::lock_guard lock(mutex_);
  const auto it = accepted_.find(message_id);
  return it == accepted_.end() ? 0 : it->second;
}

int fake_platform::total_received() const {
  std::lock_guard lock(mutex_);
  int n = 0;
  for (const auto& [id, count] : received_)
    n += count;
  return n;
}

int fake_platform::duplicates() const {
  std::lock_guard lock(mutex_);
  int n = 0;
  for (const auto& [id, count] : accepted_)
    if (id.ends_with("#again"))
      n += count;
  return n;
}

int fake_platform::distinct_messages() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(received_.size());
}

} // namespace tunemantra::test
