#include "config/config.hpp"

#include <charconv>
#include <cstdlib>
#include <algorithm>
#include <cctype>
#include <variant>

#include <toml++/toml.h>

#include "domain/log.hpp"
#include "domain/sales_report.hpp"
#include "domain/text.hpp"

namespace tunemantra::config {
namespace {

using string_ref = std::function<std::string&(config&)>;
using int_ref = std::function<int&(config&)>;
using int64_ref = std::function<std::int64_t&(config&)>;
using bool_ref = std::function<bool&(config&)>;
using list_ref = std::function<std::vector<std::string>&(config&)>;

/// Extra rule for a string value; returns an error text or nothing.
using string_check = std::function<std::optional<std::string>(const std::string&)>;

struct spec {
  std::string key;
  std::variant<string_ref, int_ref, int64_ref, bool_ref, list_ref> target;
  std::int64_t min = 0;
  std::int64_t max = 0;
  string_check check = {};
};

std::optional<std::string> check_url(const std::string& v) {
  if (v.starts_with("sqlite://") && v.size() > 9)
    return std::nullopt;
  if (v.starts_with("postgresql://") || v.starts_with("postgres://"))
    return std::nullopt;
  return "must start with sqlite:// (and name a file) or postgresql://";
}

std::optional<std::string> check_level(const std::string& v) {
  log::level ignored;
  if (log::parse_level(v, ignored))
    return std::nullopt;
  return "must be one of debug, info, warn, error";
}

std::optional<std::string> check_upc_prefix(const std::string& v) {
  if (v.size() < 6 || v.size() > 11 || v.find_first_not_of("0123456789") != std::string::npos)
    return "must be a GS1 company prefix of 6 to 11 digits";
  return std::nullopt;
}

std::optional<std::string> check_isrc_registrant(const std::string& v) {
  const bool shape = v.size() == 5 && std::all_of(v.begin(), v.end(), [](char c) {
                       return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                     }) && std::isalpha(static_cast<unsigned char>(v[0])) && std::isalpha(static_cast<unsigned char>(v[1]));
  if (!shape)
    return "must be the 5-character ISRC country and registrant code, e.g. GBAYE";
  return std::nullopt;
}

std::optional<std::string> check_money(const std::string& v) {
  const auto amount = domain::sales::parse_micros(v);
  if (!amount || *amount < 0)
    return "must be a decimal amount of at least 0 with up to six decimals, e.g. \"10.00\"";
  return std::nullopt;
}

/// Node ids appear in leases, logs and URLs: letters, digits, '.', '-', '_' and ':', at most 64.
std::optional<std::string> check_node_id(const std::string& v) {
  if (v.size() > 64)
    return "at most 64 characters";
  for (const char c : v)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_' && c != ':')
      return "only letters, digits, '.', '-', '_' and ':' (empty: the host name)";
  return std::nullopt;
}

std::optional<std::string> check_not_empty(const std::string& v) {
  if (v.empty())
    return "must not be empty";
  return std::nullopt;
}

const std::vector<spec>& specs() {
  static const std::vector<spec> table = {
    {"http.host", string_ref{[](config& c) -> std::string& { return c.http.host; }}, 0, 0, check_not_empty},
    {"http.port", int_ref{[](config& c) -> int& { return c.http.port; }}, 0, 65535},
    {"http.threads", int_ref{[](config& c) -> int& { return c.http.threads; }}, 1, 1024},
    {"http.accept_queue", int_ref{[](config& c) -> int& { return c.http.accept_queue; }}, 0, 100'000},
    {"http.thread_stack_kib", int_ref{[](config& c) -> int& { return c.http.thread_stack_kib; }}, 128, 65'536},
    {"http.max_connections", int_ref{[](config& c) -> int& { return c.http.max_connections; }}, 1, 1'000'000},
    {"http.max_connections_per_client",
     int_ref{[](config& c) -> int& { return c.http.max_connections_per_client; }}, 0, 1'000'000},
    {"http.min_rate_bytes_per_s", int_ref{[](config& c) -> int& { return c.http.min_rate_bytes_per_s; }}, 0,
     1'000'000'000},
    {"http.trusted_proxies", list_ref{[](config& c) -> std::vector<std::string>& { return c.http.trusted_proxies; }}},
    {"http.keep_alive_max_count", int_ref{[](config& c) -> int& { return c.http.keep_alive_max_count; }}, 1,
     1'000'000},
    {"http.max_long_polls", int_ref{[](config& c) -> int& { return c.http.max_long_polls; }}, 0, 1023},
    {"http.key_cache_ms", int_ref{[](config& c) -> int& { return c.http.key_cache_ms; }}, 0, 60'000},
    {"http.read_timeout_ms", int_ref{[](config& c) -> int& { return c.http.read_timeout_ms; }}, 100, 600'000},
    {"http.max_body_bytes", int64_ref{[](config& c) -> std::int64_t& { return c.http.max_body_bytes; }}, 1024,
     std::int64_t{1} << 40},
    {"http.cookie_secure", bool_ref{[](config& c) -> bool& { return c.http.cookie_secure; }}},
    {"http.cors_origins", list_ref{[](config& c) -> std::vector<std::string>& { return c.http.cors_origins; }}},
    {"http.tls_cert_file", string_ref{[](config& c) -> std::string& { return c.http.tls_cert_file; }}},
    {"http.tls_key_file", string_ref{[](config& c) -> std::string& { return c.http.tls_key_file; }}},
    {"database.url", string_ref{[](config& c) -> std::string& { return c.database.url; }}, 0, 0, check_url},
    {"database.pool_size", int_ref{[](config& c) -> int& { return c.database.pool_size; }}, 1, 256},
    {"database.lease_timeout_ms", int_ref{[](config& c) -> int& { return c.database.lease_timeout_ms; }}, 1,
     600'000},
    {"database.busy_timeout_ms", int_ref{[](config& c) -> int& { return c.database.busy_timeout_ms; }}, 0,
     600'000},
    {"database.connect_timeout_s", int_ref{[](config& c) -> int& { return c.database.connect_timeout_s; }}, 1,
     600},
    {"database.worker_threads", int_ref{[](config& c) -> int& { return c.database.worker_threads; }}, 1, 256},
    {"database.idle_in_transaction_timeout_ms",
     int_ref{[](config& c) -> int& { return c.database.idle_in_transaction_timeout_ms; }}, 0, 3'600'000},
    {"log.level", string_ref{[](config& c) -> std::string& { return c.log.level; }}, 0, 0, check_level},
    {"daemon.shutdown_grace_ms", int_ref{[](config& c) -> int& { return c.daemon.shutdown_grace_ms; }}, 100,
     600'000},
    {"daemon.watchdog_timeout_ms", int_ref{[](config& c) -> int& { return c.daemon.watchdog_timeout_ms; }}, 100,
     600'000},
    {"jobs.restart_backoff_ms", int_ref{[](config& c) -> int& { return c.jobs.restart_backoff_ms; }}, 1, 3'600'000},
    {"jobs.restart_backoff_max_ms", int_ref{[](config& c) -> int& { return c.jobs.restart_backoff_max_ms; }}, 1,
     86'400'000},
    {"jobs.max_restarts", int_ref{[](config& c) -> int& { return c.jobs.max_restarts; }}, 0, 1000},
    {"jobs.restart_period_ms", int_ref{[](config& c) -> int& { return c.jobs.restart_period_ms; }}, 1,
     86'400'000},
    {"jobs.poll_interval_ms", int_ref{[](config& c) -> int& { return c.jobs.poll_interval_ms; }}, 10, 3'600'000},
    {"jobs.retention_days", int_ref{[](config& c) -> int& { return c.jobs.retention_days; }}, 0, 36'500},
    {"cluster.node_id", string_ref{[](config& c) -> std::string& { return c.cluster.node_id; }}, 0, 0, check_node_id},
    {"cluster.lease_ms", int_ref{[](config& c) -> int& { return c.cluster.lease_ms; }}, 500, 3'600'000},
    {"cluster.heartbeat_ms", int_ref{[](config& c) -> int& { return c.cluster.heartbeat_ms; }}, 50, 600'000},
    {"cluster.claim_batch", int_ref{[](config& c) -> int& { return c.cluster.claim_batch; }}, 1, 10'000},
    {"auth.scrypt_log_n", int_ref{[](config& c) -> int& { return c.auth.scrypt_log_n; }}, 14, 20},
    {"auth.session_idle_minutes", int_ref{[](config& c) -> int& { return c.auth.session_idle_minutes; }}, 1, 525'600},
    {"auth.session_absolute_hours", int_ref{[](config& c) -> int& { return c.auth.session_absolute_hours; }}, 1,
     8760},
    {"auth.login_max_failures", int_ref{[](config& c) -> int& { return c.auth.login_max_failures; }}, 1, 1000},
    {"auth.login_window_s", int_ref{[](config& c) -> int& { return c.auth.login_window_s; }}, 1, 86400},
    {"auth.login_lock_s", int_ref{[](config& c) -> int& { return c.auth.login_lock_s; }}, 1, 86400},
    {"auth.metrics_require_admin", bool_ref{[](config& c) -> bool& { return c.auth.metrics_require_admin; }}},
    {"rate_limit.enabled", bool_ref{[](config& c) -> bool& { return c.rate_limit.enabled; }}},
    {"rate_limit.auth_per_minute", int_ref{[](config& c) -> int& { return c.rate_limit.auth_per_minute; }}, 1,
     1'000'000},
    {"rate_limit.auth_burst", int_ref{[](config& c) -> int& { return c.rate_limit.auth_burst; }}, 1, 1'000'000},
    {"rate_limit.api_per_minute", int_ref{[](config& c) -> int& { return c.rate_limit.api_per_minute; }}, 1,
     10'000'000},
    {"royalties.commission_bps", int_ref{[](config& c) -> int& { return c.royalties.commission_bps; }}, 0, 10'000},
    {"royalties.minimum_payout", string_ref{[](config& c) -> std::string& { return c.royalties.minimum_payout; }}, 0, 0,
     check_money},
    {"catalog.upc_prefix", string_ref{[](config& c) -> std::string& { return c.catalog.upc_prefix; }}, 0, 0,
     check_upc_prefix},
    {"catalog.isrc_registrant", string_ref{[](config& c) -> std::string& { return c.catalog.isrc_registrant; }}, 0,
     0, check_isrc_registrant},
    {"media.dir", string_ref{[](config& c) -> std::string& { return c.media.dir; }}, 0, 0, check_not_empty},
    {"media.max_sales_report_bytes",
     int64_ref{[](config& c) -> std::int64_t& { return c.media.max_sales_report_bytes; }}, 1024, std::int64_t{1} << 40},
    {"media.max_audio_bytes", int64_ref{[](config& c) -> std::int64_t& { return c.media.max_audio_bytes; }}, 1024,
     std::int64_t{1} << 40},
    {"media.max_artwork_bytes", int64_ref{[](config& c) -> std::int64_t& { return c.media.max_artwork_bytes; }},
     1024, std::int64_t{1} << 32},
    {"media.max_artwork_pixels", int64_ref{[](config& c) -> std::int64_t& { return c.media.max_artwork_pixels; }},
     1024, std::int64_t{1} << 32},
    {"delivery.sender_dpid", string_ref{[](config& c) -> std::string& { return c.delivery.sender_dpid; }}, 0, 0,
     check_not_empty},
    {"delivery.sender_name", string_ref{[](config& c) -> std::string& { return c.delivery.sender_name; }}, 0, 0,
     check_not_empty},
    {"delivery.ack_poll_interval_ms", int_ref{[](config& c) -> int& { return c.delivery.ack_poll_interval_ms; }}, 50,
     3'600'000},
    {"delivery.retry_backoff_ms", int_ref{[](config& c) -> int& { return c.delivery.retry_backoff_ms; }}, 1,
     3'600'000},
    {"delivery.retry_backoff_max_ms", int_ref{[](config& c) -> int& { return c.delivery.retry_backoff_max_ms; }}, 1,
     86'400'000},
    {"delivery.workers", int_ref{[](config& c) -> int& { return c.delivery.workers; }}, 1, 1024},
    {"delivery.test_messages", bool_ref{[](config& c) -> bool& { return c.delivery.test_messages; }}},
    {"rate_limit.api_burst", int_ref{[](config& c) -> int& { return c.rate_limit.api_burst; }}, 1, 10'000'000},
  };
  return table;
}

const spec* find_spec(const std::string& key) {
  for (const auto& s : specs())
    if (s.key == key)
      return &s;
  return nullptr;
}

/// Where a value came from, for error lines: `file.toml:12` or `environment TUNEMANTRA_HTTP_PORT`.
struct origin {
  std::string where;
};

[[noreturn]] void fail(const std::string& key, const std::string& value, const std::string& why,
                       const origin& from) {
  throw config_error("config error: " + key + " = " + value + ": " + why + " (" + from.where + ")");
}

/// A value read either from TOML or from an environment string.
using raw_value = std::variant<std::string, std::int64_t, bool, std::vector<std::string>>;

std::string show(const raw_value& v) {
  struct {
    std::string operator()(const std::string& s) const { return "\"" + s + "\""; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::vector<std::string>& l) const {
      std::string out = "[";
      for (std::size_t i = 0; i < l.size(); ++i)
        out += (i ? ", \"" : "\"") + l[i] + "\"";
      return out + "]";
    }
  } visitor;
  return std::visit(visitor, v);
}

void assign(config& cfg, const spec& s, const raw_value& v, const origin& from) {
  auto wrong_type = [&](const char* expected) { fail(s.key, show(v), std::string("expected ") + expected, from); };
  auto ranged = [&]() -> std::int64_t {
    const auto* i = std::get_if<std::int64_t>(&v);
    if (!i)
      wrong_type("an integer");
    if (*i < s.min || *i > s.max)
      fail(s.key, show(v), "must be between " + std::to_string(s.min) + " and " + std::to_string(s.max), from);
    return *i;
  };
  if (const auto* r = std::get_if<string_ref>(&s.target)) {
    const auto* str = std::get_if<std::string>(&v);
    if (!str)
      wrong_type("a string");
    if (s.check)
      if (auto why = s.check(*str))
        fail(s.key, show(v), *why, from);
    (*r)(cfg) = *str;
  } else if (const auto* r = std::get_if<int_ref>(&s.target)) {
    (*r)(cfg) = static_cast<int>(ranged());
  } else if (const auto* r = std::get_if<int64_ref>(&s.target)) {
    (*r)(cfg) = ranged();
  } else if (const auto* r = std::get_if<bool_ref>(&s.target)) {
    const auto* b = std::get_if<bool>(&v);
    if (!b)
      wrong_type("true or false");
    (*r)(cfg) = *b;
  } else if (const auto* r = std::get_if<list_ref>(&s.target)) {
    const auto* l = std::get_if<std::vector<std::string>>(&v);
    if (!l)
      wrong_type("an array of strings");
    (*r)(cfg) = *l;
  }
}

std::string toml_where(const std::string& path, const toml::source_region& src) {
  return path + ":" + std::to_string(src.begin.line);
}

raw_value from_toml(const std::string& key, const toml::node& node, const origin& from) {
  if (auto s = node.value_exact<std::string>())
    return *s;
  if (auto i = node.value_exact<std::int64_t>())
    return *i;
  if (auto b = node.value_exact<bool>())
    return *b;
  if (const auto* arr = node.as_array()) {
    std::vector<std::string> out;
    for (const auto& item : *arr) {
      auto s = item.value_exact<std::string>();
      if (!s)
        fail(key, "[...]", "expected an array of strings", from);
      out.push_back(*s);
    }
    return out;
  }
  fail(key, "(" + std::string(toml::impl::node_type_friendly_names[static_cast<int>(node.type())]) + ")",
       "unsupported value type", from);
}

void apply_file(config& cfg, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw config_error("config error: cannot parse: " + std::string(e.description()) + " ("
                       + toml_where(path, e.source()) + ")");
  }
  for (const auto& [section, node] : root) {
    const origin at{toml_where(path, node.source())};
    const auto* table = node.as_table();
    if (!table) {
      fail(std::string(section.str()), "(value)", "unknown key (expected a [section])", at);
    }
    for (const auto& [name, value] : *table) {
      const std::string key = std::string(section.str()) + "." + std::string(name.str());
      const origin value_at{toml_where(path, value.source())};
      const spec* s = find_spec(key);
      if (!s)
        fail(key, "(value)", "unknown key", value_at);
      assign(cfg, *s, from_toml(key, value, value_at), value_at);
    }
  }
}

raw_value from_env(const spec& s, const std::string& text, const origin& from) {
  if (std::holds_alternative<string_ref>(s.target))
    return text;
  if (std::holds_alternative<bool_ref>(s.target)) {
    if (text == "true" || text == "1")
      return true;
    if (text == "false" || text == "0")
      return false;
    fail(s.key, "\"" + text + "\"", "expected true or false", from);
  }
  if (std::holds_alternative<list_ref>(s.target))
    return domain::split(text, ',');
  std::int64_t value = 0;
  auto res = std::from_chars(text.data(), text.data() + text.size(), value);
  if (res.ec != std::errc{} || res.ptr != text.data() + text.size())
    fail(s.key, "\"" + text + "\"", "expected an integer", from);
  return value;
}

} // namespace

env_lookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str()))
      return std::string(v);
    return std::nullopt;
  };
}

std::string env_name(const std::string& key) {
  std::string out = "TUNEMANTRA_";
  for (char c : key)
    out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> known_keys() {
  std::vector<std::string> out;
  for (const auto& s : specs())
    out.push_back(s.key);
  return out;
}

config load(const std::optional<std::string>& path, const env_lookup& env) {
  config cfg;
  if (path)
    apply_file(cfg, *path);
  for (const auto& s : specs()) {
    const auto name = env_name(s.key);
    if (auto text = env(name)) {
      const origin from{"environment " + name};
      assign(cfg, s, from_env(s, *text, from), from);
    }
  }
  if (cfg.http.max_long_polls >= cfg.http.threads)
    throw config_error("config error: http.max_long_polls (" + std::to_string(cfg.http.max_long_polls)
                       + ") must be less than http.threads (" + std::to_string(cfg.http.threads)
                       + "): waiting clients must leave threads for ordinary requests"
                       + std::string(path ? " (" + *path + ")" : ""));
  if (cfg.cluster.heartbeat_ms * 2 > cfg.cluster.lease_ms)
    throw config_error("config error: cluster.heartbeat_ms (" + std::to_string(cfg.cluster.heartbeat_ms)
                       + ") must be at most half of cluster.lease_ms (" + std::to_string(cfg.cluster.lease_ms)
                       + "): a lease must survive a missed heartbeat" + std::string(path ? " (" + *path + ")" : ""));
  if (cfg.database.idle_in_transaction_timeout_ms > cfg.cluster.lease_ms)
    throw config_error("config error: database.idle_in_transaction_timeout_ms ("
                       + std::to_string(cfg.database.idle_in_transaction_timeout_ms) + ") must be at most cluster.lease_ms ("
                       + std::to_string(cfg.cluster.lease_ms) + "): a paused node's locks must end with its leases"
                       + std::string(path ? " (" + *path + ")" : ""));
  if (cfg.http.tls_cert_file.empty() != cfg.http.tls_key_file.empty())
    throw config_error("config error: http.tls_cert_file and http.tls_key_file must be set together"
                       + std::string(path ? " (" + *path + ")" : ""));
  return cfg;
}

} // namespace tunemantra::config
