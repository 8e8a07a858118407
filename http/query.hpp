#pragma once
// Reading and validating query parameters; every problem is collected with its field name so one
// 400 VALIDATION_ERROR can list them all in `details`.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/job.hpp"

namespace httplib {
struct Request;
}

namespace tunemantra::http {

class query {
public:
  explicit query(const httplib::Request& req) : req_(req) {}

  /// An integer in [min, max]; nullopt when absent or invalid (invalid is recorded).
  std::optional<std::int64_t> integer(const char* name, std::int64_t min, std::int64_t max);
  /// A non-empty string of at most max_len bytes.
  std::optional<std::string> text(const char* name, std::size_t max_len);
  /// An RFC 3339 timestamp.
  std::optional<domain::millis> time(const char* name);
  /// page (from 1) and limit (1..100, default 20) as API.md defines them.
  void paging(int& page, int& limit);

  /// Records a problem found by the caller.
  void invalid(const std::string& field, const std::string& message);
  bool ok() const { return problems_.empty(); }
  /// `[{field, message}, ...]` for the error envelope.
  const nlohmann::json& details() const { return problems_; }

private:
  const httplib::Request& req_;
  nlohmann::json problems_ = nlohmann::json::array();
};

} // namespace tunemantra::http
