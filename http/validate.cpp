#include "http/validate.hpp"

#include <httplib.h>

#include "domain/time.hpp"
#include "http/envelope.hpp"

namespace tunemantra::http {

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80)
      ++n;
  return n;
}

std::optional<json_body> json_body::parse(const httplib::Request& req, httplib::Response& res) {
  auto doc = parse_json(req, res);
  if (!doc)
    return std::nullopt;
  if (!doc->is_object()) {
    send_error(res, "VALIDATION_ERROR", "the body must be a JSON object",
               nlohmann::json::array({{{"field", ""}, {"message", "must be an object"}}}));
    return std::nullopt;
  }
  return json_body{std::move(*doc)};
}

namespace {

/// Where a string (a value or a key) of `j` holds a NUL character, as a field path
/// ("title", "scopes[2]", "meta.note"); nullopt when none does. NUL ends strings in C APIs, logs and
/// some databases, so text that holds one means two different things in two places.
std::optional<std::string> nul_at(const nlohmann::json& j, const std::string& path) {
  const auto has_nul = [](const std::string& s) { return s.find('\0') != std::string::npos; };
  if (j.is_string())
    return has_nul(j.get_ref<const std::string&>()) ? std::optional<std::string>(path) : std::nullopt;
  if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i)
      if (auto at = nul_at(j[i], path + "[" + std::to_string(i) + "]"))
        return at;
  } else if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      const auto here = path.empty() ? key : path + "." + key;
      if (has_nul(key))
        return here;
      if (auto at = nul_at(value, here))
        return at;
    }
  }
  return std::nullopt;
}

} // namespace

std::optional<nlohmann::json> json_body::parse_json(const httplib::Request& req, httplib::Response& res) {
  const auto type = req.get_header_value("Content-Type");
  if (type.find("application/json") == std::string::npos) {
    send_error(res, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json", {{"contentType", type}});
    return std::nullopt;
  }
  // nlohmann rejects invalid UTF-8 too, so no malformed text gets any further.
  auto doc = nlohmann::json::parse(req.body, nullptr, false);
  if (doc.is_discarded()) {
    send_error(res, "MALFORMED_JSON", "the body is not valid JSON (or not valid UTF-8)");
    return std::nullopt;
  }
  if (auto at = nul_at(doc, "")) {
    send_error(res, "VALIDATION_ERROR", "text must not contain NUL (\\u0000)",
               nlohmann::json::array({{{"field", *at}, {"message", "contains NUL (\\u0000)"}}}));
    return std::nullopt;
  }
  return doc;
}

void json_body::invalid(const std::string& field, const std::string& message) {
  problems_.push_back({{"field", field}, {"message", message}});
}

void json_body::check(const std::string& field, const std::optional<std::string>& problem) {
  if (problem)
    invalid(field, *problem);
}

const nlohmann::json* json_body::get(const std::string& field, bool required) {
  if (!doc_.contains(field) || doc_[field].is_null()) {
    if (required)
      invalid(field, "is required");
    return nullptr;
  }
  return &doc_[field];
}

std::optional<std::string> json_body::string(const std::string& field, bool required, std::size_t min,
                                             std::size_t max) {
  const auto* v = get(field, required);
  if (!v)
    return std::nullopt;
  if (!v->is_string()) {
    invalid(field, "must be a string");
    return std::nullopt;
  }
  auto s = v->get<std::string>();
  const auto len = utf8_length(s);
  if (len < min || len > max) {
    invalid(field, "must be " + std::to_string(min) + " to " + std::to_string(max) + " characters");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> json_body::nested_string(const std::string& parent, const std::string& key, std::size_t min,
                                                    std::size_t max) {
  const auto* object = get(parent, false);
  if (!object)
    return std::nullopt;
  if (!object->is_object()) {
    invalid(parent, "must be an object");
    return std::nullopt;
  }
  const auto field = parent + "." + key;
  if (!object->contains(key) || (*object)[key].is_null())
    return std::nullopt;
  const auto& v = (*object)[key];
  if (!v.is_string()) {
    invalid(field, "must be a string");
    return std::nullopt;
  }
  auto s = v.get<std::string>();
  if (utf8_length(s) < min || utf8_length(s) > max) {
    invalid(field, "must be " + std::to_string(min) + " to " + std::to_string(max) + " characters");
    return std::nullopt;
  }
  return s;
}

std::optional<std::vector<std::string>> json_body::strings(const std::string& field, bool required,
                                                           std::size_t max_items) {
  const auto* v = get(field, required);
  if (!v)
    return std::nullopt;
  if (!v->is_array() || v->size() > max_items) {
    invalid(field, "must be an array of at most " + std::to_string(max_items) + " strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) {
      invalid(field + "[" + std::to_string(i) + "]", "must be a string");
      return std::nullopt;
    }
    out.push_back((*v)[i].get<std::string>());
  }
  return out;
}

std::optional<domain::millis> json_body::time(const std::string& field, bool required) {
  const auto* v = get(field, required);
  if (!v)
    return std::nullopt;
  if (!v->is_string()) {
    invalid(field, "must be an RFC 3339 timestamp string");
    return std::nullopt;
  }
  auto t = domain::parse_rfc3339(v->get<std::string>());
  if (!t)
    invalid(field, "must be an RFC 3339 timestamp such as 2027-01-31T00:00:00Z");
  return t;
}

std::optional<long long> json_body::integer(const std::string& field, bool required, long long min, long long max) {
  const auto* v = get(field, required);
  if (!v)
    return std::nullopt;
  if (!v->is_number_integer() ||
      (v->is_number_unsigned() && v->get<unsigned long long>() > 9'000'000'000'000'000'000ull)) {
    invalid(field, "must be an integer");
    return std::nullopt;
  }
  const auto n = v->get<long long>();
  if (n < min || n > max) {
    invalid(field, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

bool json_body::reply_if_invalid(httplib::Response& res) const {
  if (problems_.empty())
    return false;
  send_error(res, "VALIDATION_ERROR", "the request has invalid fields", problems_);
  return true;
}

} // namespace tunemantra::http
