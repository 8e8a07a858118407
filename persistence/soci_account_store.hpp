#pragma once
// The SOCI implementation of account_store, sharing the store's connection pool.

#include <chrono>
#include <mutex>
#include <unordered_map>

#include "persistence/account_store.hpp"
#include "persistence/connection_pool.hpp"

namespace tunemantra::persistence {

class soci_account_store final : public account_store {
public:
  explicit soci_account_store(connection_pool& pool) : pool_(pool) {}

  std::optional<domain::user> create_user(const domain::new_user& u, const domain::crypto::scrypt_params& p) override;
  std::optional<domain::user> find_user(std::int64_t id) override;
  std::optional<domain::user> find_user_by_name(const std::string& username) override;
  std::optional<domain::user> check_password(const std::string& username, const std::string& password,
                                             const domain::crypto::scrypt_params& p) override;
  void set_password(std::int64_t user_id, const std::string& password, const domain::crypto::scrypt_params& p) override;
  domain::page<domain::user> list_users(const domain::user_filter& f) override;
  std::optional<domain::user> update_user(std::int64_t id, std::optional<domain::role> role,
                                          std::optional<domain::user_status> status) override;

  created_session create_session(std::int64_t user_id, domain::millis absolute_ttl_ms, const std::string& ip,
                                 const std::string& user_agent) override;
  std::optional<domain::session> find_session(const std::string& token, domain::millis idle_ttl_ms) override;
  void revoke_session(std::int64_t session_id) override;

  created_key create_key(std::int64_t user_id, const std::string& name, const std::vector<std::string>& scopes,
                         std::optional<domain::millis> expires_at) override;
  std::optional<domain::api_key> find_key(const std::string& secret) override;
  std::optional<key_owner> authenticate_key(const std::string& secret) override;
  void set_key_cache(domain::millis ttl_ms) override;
  std::vector<domain::api_key> list_keys(std::int64_t user_id) override;
  bool revoke_key(std::int64_t user_id, std::int64_t key_id) override;

  void audit(const domain::audit_entry& e) override;
  domain::page<domain::audit_entry> list_audit(int page, int limit) override;

  domain::millis login_locked_for(const std::string& username) override;
  void login_failed(const std::string& username, int max_failures, domain::millis window_ms,
                    domain::millis lock_ms) override;
  void login_succeeded(const std::string& username) override;

  std::optional<domain::idempotent_response> reserve_idempotency(std::int64_t account, const std::string& key,
                                                                 const std::string& request_hash) override;
  void complete_idempotency(std::int64_t account, const std::string& key, int status, const std::string& body,
                            const std::string& location) override;
  void release_idempotency(std::int64_t account, const std::string& key) override;
  int prune_expired(domain::millis older_than_ms) override;

private:
  /// After any write that can change who a key belongs to or whether it works.
  void forget_keys();

  connection_pool& pool_;

  struct cached_key {
    key_owner owner;
    std::chrono::steady_clock::time_point until;
  };
  std::mutex keys_mutex_;
  std::unordered_map<std::string, cached_key> keys_; ///< by SHA-256 of the secret
  std::uint64_t keys_generation_ = 0;                ///< bumped by forget_keys
  domain::millis key_ttl_ms_ = 0;
};

} // namespace tunemantra::persistence
