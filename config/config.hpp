#pragma once
// Daemon configuration: TOML file -> plain validated structs -> the rest of the program.
// Nothing outside config/ sees a toml::table (house style item 6).

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/defaults.hpp"

namespace tunemantra::config {

struct http_config {
  std::string host{defaults::http_host};
  int port = defaults::http_port;
  int threads = defaults::http_threads;
  int accept_queue = defaults::http_accept_queue;
  int thread_stack_kib = defaults::http_thread_stack_kib;
  int max_connections = defaults::http_max_connections;
  int max_connections_per_client = defaults::http_max_connections_per_client;
  int min_rate_bytes_per_s = defaults::http_min_rate_bytes_per_s;
  std::vector<std::string> trusted_proxies; ///< addresses of the proxies in front (nginx): no per-client cap
  int keep_alive_max_count = defaults::http_keep_alive_max_count;
  int max_long_polls = defaults::http_max_long_polls;
  int key_cache_ms = defaults::http_key_cache_ms;
  int read_timeout_ms = defaults::http_read_timeout_ms;
  std::int64_t max_body_bytes = defaults::http_max_body_bytes;
  bool cookie_secure = defaults::http_cookie_secure;
  std::vector<std::string> cors_origins; ///< exact origins allowed by CORS; empty: none
  std::string tls_cert_file;             ///< PEM certificate; with tls_key_file, serve HTTPS
  std::string tls_key_file;
};

struct database_config {
  std::string url{defaults::database_url};
  int pool_size = defaults::database_pool_size;
  int lease_timeout_ms = defaults::database_lease_timeout_ms;
  int busy_timeout_ms = defaults::database_busy_timeout_ms;
  int connect_timeout_s = defaults::database_connect_timeout_s;
  int worker_threads = defaults::database_worker_threads;
  int idle_in_transaction_timeout_ms = defaults::database_idle_in_transaction_timeout_ms;
};

struct log_config {
  std::string level{defaults::log_level};
};

struct daemon_config {
  int shutdown_grace_ms = defaults::daemon_shutdown_grace_ms;
  int watchdog_timeout_ms = defaults::daemon_watchdog_timeout_ms;
};

/// Job supervision: OTP-style restart intensity (max_restarts within restart_period_ms) and
/// exponential backoff between restarts.
struct jobs_config {
  int restart_backoff_ms = defaults::jobs_restart_backoff_ms;
  int restart_backoff_max_ms = defaults::jobs_restart_backoff_max_ms;
  int max_restarts = defaults::jobs_max_restarts;
  int restart_period_ms = defaults::jobs_restart_period_ms;
  int poll_interval_ms = defaults::jobs_poll_interval_ms;
  int retention_days = defaults::jobs_retention_days;
};

/// Multi-node coordination through the database: node registry, job leases, leader lease.
struct cluster_config {
  std::string node_id{defaults::cluster_node_id};
  int lease_ms = defaults::cluster_lease_ms;
  int heartbeat_ms = defaults::cluster_heartbeat_ms;
  int claim_batch = defaults::cluster_claim_batch;
};

struct auth_config {
  int scrypt_log_n = defaults::auth_scrypt_log_n;
  int session_idle_minutes = defaults::auth_session_idle_minutes;
  int session_absolute_hours = defaults::auth_session_absolute_hours;
  int login_max_failures = defaults::auth_login_max_failures;
  int login_window_s = defaults::auth_login_window_s;
  int login_lock_s = defaults::auth_login_lock_s;
  bool metrics_require_admin = defaults::auth_metrics_require_admin;
};

struct rate_limit_config {
  bool enabled = defaults::rate_limit_enabled;
  int auth_per_minute = defaults::rate_limit_auth_per_minute;
  int auth_burst = defaults::rate_limit_auth_burst;
  int api_per_minute = defaults::rate_limit_api_per_minute;
  int api_burst = defaults::rate_limit_api_burst;
};

struct catalog_config {
  std::string upc_prefix{defaults::catalog_upc_prefix};
  std::string isrc_registrant{defaults::catalog_isrc_registrant};
};

struct media_config {
  std::string dir{defaults::media_dir};
  std::int64_t max_audio_bytes = defaults::media_max_audio_bytes;
  std::int64_t max_sales_report_bytes = defaults::media_max_sales_report_bytes;
  std::int64_t max_artwork_bytes = defaults::media_max_artwork_bytes;
  std::int64_t max_artwork_pixels = defaults::media_max_artwork_pixels;
};

struct delivery_config {
  std::string sender_dpid{defaults::delivery_sender_dpid};
  std::string sender_name{defaults::delivery_sender_name};
  int ack_poll_interval_ms = defaults::delivery_ack_poll_interval_ms;
  int retry_backoff_ms = defaults::delivery_retry_backoff_ms;
  int retry_backoff_max_ms = defaults::delivery_retry_backoff_max_ms;
  bool test_messages = defaults::delivery_test_messages;
  int workers = defaults::delivery_workers;
};

/// Royalty periods take these when they are created (a later change does not alter them).
struct royalties_config {
  int commission_bps = defaults::royalties_commission_bps;
  std::string minimum_payout{defaults::royalties_minimum_payout}; ///< decimal, in the period's currency
};

struct config {
  http_config http;
  database_config database;
  log_config log;
  daemon_config daemon;
  jobs_config jobs;
  cluster_config cluster;
  auth_config auth;
  rate_limit_config rate_limit;
  catalog_config catalog;
  media_config media;
  delivery_config delivery;
  royalties_config royalties;
};

/// A bad file or value. `what()` is one line naming the key, the value and where it came from.
class config_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Looks up an environment variable; the default reads the process environment.
using env_lookup = std::function<std::optional<std::string>(const std::string&)>;
env_lookup process_environment();

/// Defaults, then the TOML file (if given), then `TUNEMANTRA_<SECTION>_<KEY>` variables.
/// Throws config_error on a syntax error, an unknown key, a wrong type or a value out of range.
config load(const std::optional<std::string>& path, const env_lookup& env = process_environment());

/// Every accepted key (`http.port`, ...), in file order; used by docs and tests.
std::vector<std::string> known_keys();
/// The environment variable that overrides `key` (`http.port` -> `TUNEMANTRA_HTTP_PORT`).
std::string env_name(const std::string& key);

} // namespace tunemantra::config
