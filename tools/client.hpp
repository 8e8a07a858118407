#pragma once
// tmctl's REST side: where the daemon is and which API key to send (flag, then environment, then
// ~/.config/tmctl/config.toml), one call per request, and the daemon's error envelope turned into
// a message and an exit code.

#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace tunemantra::tmctl {

using nlohmann::json;

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;
constexpr int exit_not_found = 3;

/// A failure that ends the command with `code` after printing `what()` (already user-facing).
class command_error : public std::runtime_error {
public:
  command_error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

private:
  int code_;
};

struct settings {
  std::string url;     ///< e.g. http://127.0.0.1:8080
  std::string api_key; ///< tm_...
};

/// Resolves the URL and key: the flags when given, else TMCTL_URL / TMCTL_API_KEY, else the
/// `url` / `api_key` of the tmctl config file (TMCTL_CONFIG, else $XDG_CONFIG_HOME/tmctl/config.toml,
/// else ~/.config/tmctl/config.toml), else http://127.0.0.1:8080 and no key.
settings resolve_settings(const std::string& url_flag, const std::string& key_flag);

struct answer {
  int status = 0;
  json body; ///< parsed JSON, or null for an empty body
  std::map<std::string, std::string> headers;
  json data() const { return body.contains("data") ? body["data"] : body; }
};

class client {
public:
  explicit client(settings s);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Sends one request. 2xx and 304 are returned; anything else throws command_error carrying
  /// the server's code and message (404 exits 3, others 1); so does a daemon that cannot be reached.
  answer call(const std::string& method, const std::string& path, const std::optional<json>& body = std::nullopt,
              const std::map<std::string, std::string>& headers = {});
  answer get(const std::string& path) { return call("GET", path); }
  answer post(const std::string& path, const json& body) { return call("POST", path, body); }

  /// POSTs the file at `file` as the body (streamed, not read into memory) with `content_type`.
  answer upload(const std::string& path, const std::string& file, const std::string& content_type);
  /// GETs a body that is not JSON (e.g. CSV) asking for `accept`; errors as call().
  std::string get_text(const std::string& path, const std::string& accept);

  /// Allows a request to run this long (long-polls).
  void set_read_timeout_seconds(int seconds);
  const std::string& url() const { return settings_.url; }

private:
  struct impl;
  settings settings_;
  impl* impl_;
};

} // namespace tunemantra::tmctl
