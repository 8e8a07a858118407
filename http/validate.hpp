#pragma once
// Request bodies: one place that reads JSON and checks fields, collecting every problem with its
// field path so the client gets them all at once in a 400 VALIDATION_ERROR.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/job.hpp"

namespace httplib {
struct Request;
struct Response;
} // namespace httplib

namespace tunemantra::http {

class json_body {
public:
  /// Parses the body; on a wrong Content-Type (415), malformed JSON or invalid UTF-8 (400
  /// MALFORMED_JSON), or a body that is not an object (400), answers and returns nullopt.
  static std::optional<json_body> parse(const httplib::Request& req, httplib::Response& res);
  /// The same checks without requiring an object (for bodies that are arrays).
  static std::optional<nlohmann::json> parse_json(const httplib::Request& req, httplib::Response& res);

  /// A string of [min, max] characters (UTF-8 code points); `required` makes absence an error.
  std::optional<std::string> string(const std::string& field, bool required, std::size_t min, std::size_t max);
  /// An optional string inside an optional object field: `parent.key` (e.g. platformIds.spotify).
  std::optional<std::string> nested_string(const std::string& parent, const std::string& key, std::size_t min,
                                           std::size_t max);
  /// An array of strings with at most `max_items` entries.
  std::optional<std::vector<std::string>> strings(const std::string& field, bool required, std::size_t max_items);
  /// An RFC 3339 timestamp.
  std::optional<domain::millis> time(const std::string& field, bool required);
  /// An integer in [min, max].
  std::optional<long long> integer(const std::string& field, bool required, long long min, long long max);

  /// Records `problem` for `field` when there is one.
  void check(const std::string& field, const std::optional<std::string>& problem);
  void invalid(const std::string& field, const std::string& message);
  bool has(const std::string& field) const { return doc_.contains(field) && !doc_[field].is_null(); }
  /// The raw value of a field, for shapes the helpers above do not cover (check has() first).
  const nlohmann::json& raw(const std::string& field) const { return doc_.at(field); }

  /// Answers 400 VALIDATION_ERROR with every problem; true when it did.
  bool reply_if_invalid(httplib::Response& res) const;
  bool ok() const { return problems_.empty(); }

private:
  explicit json_body(nlohmann::json doc) : doc_(std::move(doc)) {}
  const nlohmann::json* get(const std::string& field, bool required);

  nlohmann::json doc_;
  nlohmann::json problems_ = nlohmann::json::array();
};

/// Number of UTF-8 code points in a valid UTF-8 string.
std::size_t utf8_length(const std::string& s);

} // namespace tunemantra::http
