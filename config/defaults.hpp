#pragma once
// Every default of tunemantrad in one place. config/tunemantra.toml documents the same values;
// tests/config/config_test.cpp checks that the two agree.

#include <cstdint>
#include <string_view>

namespace tunemantra::defaults {

// [http]
inline constexpr std::string_view http_host = "127.0.0.1";
inline constexpr int http_port = 8080;
inline constexpr int http_threads = 64;              ///< workers serving requests (idle connections hold none)
inline constexpr int http_accept_queue = 256;        ///< complete requests waiting for a worker; beyond: 503
inline constexpr int http_thread_stack_kib = 512;    ///< each worker's stack
inline constexpr int http_max_connections = 4096;    ///< open connections in all; beyond: 503
inline constexpr int http_max_connections_per_client = 128; ///< from one address (0: no cap); beyond: 503
inline constexpr int http_min_rate_bytes_per_s = 1024; ///< a body or answer slower than this past read_timeout is cut
inline constexpr int http_keep_alive_max_count = 10000;
inline constexpr int http_max_long_polls = 16; ///< GET /api/jobs/{id}?waitSeconds= waiting at once (each holds a thread)
inline constexpr int http_key_cache_ms = 5000; ///< API keys answered from memory this long after a read
inline constexpr int http_read_timeout_ms = 10000;
inline constexpr std::int64_t http_max_body_bytes = 1 << 20; ///< 1 MiB for JSON routes
inline constexpr bool http_cookie_secure = false;

// [database]
inline constexpr std::string_view database_url = "sqlite://var/tunemantra.db";
inline constexpr int database_pool_size = 8;
inline constexpr int database_lease_timeout_ms = 2000; ///< waiting longer for a connection answers 503
inline constexpr int database_busy_timeout_ms = 5000;  ///< SQLite busy_timeout
inline constexpr int database_connect_timeout_s = 5;   ///< PostgreSQL connect_timeout
inline constexpr int database_worker_threads = 4;      ///< blocking store work off the actor threads
/// PostgreSQL ends a session left idle inside a transaction this long (a paused node's row locks
/// would otherwise stop other nodes from taking its jobs over); at most cluster.lease_ms; 0: never.
inline constexpr int database_idle_in_transaction_timeout_ms = 5000;

// [log]
inline constexpr std::string_view log_level = "info";

// [daemon]
inline constexpr int daemon_shutdown_grace_ms = 10000;
inline constexpr int daemon_watchdog_timeout_ms = 2000; ///< how long the supervisor may take to answer a ping

// [jobs]
inline constexpr int jobs_restart_backoff_ms = 200;       ///< first restart delay; doubles per restart
inline constexpr int jobs_restart_backoff_max_ms = 30000; ///< cap of the restart delay
inline constexpr int jobs_max_restarts = 5;               ///< restarts allowed within restart_period_ms
inline constexpr int jobs_restart_period_ms = 60000;
inline constexpr int jobs_poll_interval_ms = 1000; ///< how often the store is checked for new and due jobs
inline constexpr int jobs_retention_days = 90;     ///< finished jobs older than this are deleted; 0 keeps them

// [cluster] several nodes on one PostgreSQL (docs/scaling.md); SQLite runs one node
/// This node's name in the node registry and on job leases; empty: the host name. Two live
/// processes must never share one (the later start takes the name over and fences the other).
inline constexpr std::string_view cluster_node_id = "";
inline constexpr int cluster_lease_ms = 10000;     ///< a job's lease; another node takes it over once it expires
inline constexpr int cluster_heartbeat_ms = 2000;  ///< how often leases and the node row are renewed
inline constexpr int cluster_claim_batch = 64;     ///< most jobs claimed in one statement

// [auth]
inline constexpr int auth_scrypt_log_n = 15;              ///< scrypt N = 2^15 (at least 2^14)
inline constexpr int auth_session_idle_minutes = 120;     ///< a session unused this long ends
inline constexpr int auth_session_absolute_hours = 168;   ///< a session ends this long after login
inline constexpr int auth_login_max_failures = 5;         ///< failed logins per username ...
inline constexpr int auth_login_window_s = 900;           ///< ... within this window ...
inline constexpr int auth_login_lock_s = 900;             ///< ... lock the username this long
inline constexpr bool auth_metrics_require_admin = false; ///< GET /metrics needs an admin credential

// [rate_limit] token buckets per API key (else per IP), per node
inline constexpr bool rate_limit_enabled = true;
inline constexpr int rate_limit_auth_per_minute = 20; ///< login and register
inline constexpr int rate_limit_auth_burst = 10;
inline constexpr int rate_limit_api_per_minute = 1200; ///< every other route
inline constexpr int rate_limit_api_burst = 200;

// [catalog]
/// GS1 company prefix for UPCs/EANs the daemon assigns. The default lies in GS1's restricted
/// range 200-299 (valid check digits, not for retail): set your own before distributing.
inline constexpr std::string_view catalog_upc_prefix = "2000000";
/// ISRC country + registrant code (5 characters) for ISRCs the daemon assigns to tracks sent
/// without one. ZZ is a placeholder prefix: set the code your ISRC agency gave you.
inline constexpr std::string_view catalog_isrc_registrant = "ZZTMA";

// [media]
/// Where uploaded audio and artwork are kept, under their SHA-256 (relative to the working
/// directory; several nodes must share it, see docs/scaling.md).
inline constexpr std::string_view media_dir = "var/media";
inline constexpr std::int64_t media_max_sales_report_bytes = std::int64_t{4} << 30; ///< 4 GiB: a large DSR
inline constexpr std::int64_t media_max_audio_bytes = std::int64_t{2} << 30;   ///< 2 GiB: a long 24-bit/192 kHz master
inline constexpr std::int64_t media_max_artwork_bytes = std::int64_t{50} << 20; ///< 50 MiB
inline constexpr std::int64_t media_max_artwork_pixels = 100'000'000; ///< width x height, refused before decoding

// [royalties]
/// The distributor's commission on gross revenue, in basis points (1500 = 15 %).
inline constexpr int royalties_commission_bps = 1500;
/// Balances below this (in the period's currency) are carried forward to the next period.
inline constexpr std::string_view royalties_minimum_payout = "10";

// [delivery]
/// The DDEX Party Id and name that deliveries are sent from (MessageSender). The default is a
/// placeholder: set the DPID DDEX issued to you.
inline constexpr std::string_view delivery_sender_dpid = "PADPIDA0000000000X";
inline constexpr std::string_view delivery_sender_name = "TuneMantra";
/// How often acknowledgement folders are read.
inline constexpr int delivery_ack_poll_interval_ms = 5000;
/// First wait before a failed send is retried; doubles per attempt up to the maximum.
inline constexpr int delivery_retry_backoff_ms = 1000;
inline constexpr int delivery_retry_backoff_max_ms = 300'000;
/// Threads that run connector sends (file copies, HTTP posts), apart from the database workers so
/// a slow platform never holds up store work.
inline constexpr int delivery_workers = 16;
/// Send TestMessage instead of LiveMessage in MessageControlType (for platform test feeds).
inline constexpr bool delivery_test_messages = false;

} // namespace tunemantra::defaults
