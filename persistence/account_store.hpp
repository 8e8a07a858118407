#pragma once
// Accounts, sessions, API keys, the audit log, login throttling and idempotency records.
// Secrets are hashed here: passwords with scrypt, session and CSRF tokens and API keys with
// SHA-256. No method returns a hash.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/account.hpp"
#include "domain/crypto.hpp"

namespace tunemantra::persistence {

/// A new API key: the stored record and the secret, which is shown once and never again.
struct created_key {
  domain::api_key key;
  std::string secret;
};

/// A presented API key that checked out, with its active owner.
struct key_owner {
  domain::api_key key;
  domain::user user;
};

/// A new session: the record and the two tokens the client gets (cookie and CSRF header).
struct created_session {
  domain::session session;
  std::string token;
  std::string csrf_token;
};

class account_store {
public:
  virtual ~account_store() = default;

  // --- users ---------------------------------------------------------------------------------
  /// Creates a user; nullopt when the username (case-insensitively) is taken.
  virtual std::optional<domain::user> create_user(const domain::new_user& u,
                                                  const domain::crypto::scrypt_params& params) = 0;
  virtual std::optional<domain::user> find_user(std::int64_t id) = 0;
  virtual std::optional<domain::user> find_user_by_name(const std::string& username) = 0;
  /// The user if the password matches and the account is active. Rehashes a weaker stored hash.
  virtual std::optional<domain::user> check_password(const std::string& username, const std::string& password,
                                                     const domain::crypto::scrypt_params& params) = 0;
  /// Sets a new password and revokes every session of the user.
  virtual void set_password(std::int64_t user_id, const std::string& password,
                            const domain::crypto::scrypt_params& params) = 0;
  virtual domain::page<domain::user> list_users(const domain::user_filter& f) = 0;
  /// Changes role and/or status; disabling revokes every session and key at once.
  virtual std::optional<domain::user> update_user(std::int64_t id, std::optional<domain::role> role,
                                                  std::optional<domain::user_status> status) = 0;

  // --- sessions ------------------------------------------------------------------------------
  virtual created_session create_session(std::int64_t user_id, domain::millis absolute_ttl_ms, const std::string& ip,
                                         const std::string& user_agent) = 0;
  /// The live session for a cookie token: not revoked, not past its absolute expiry, and seen
  /// within `idle_ttl_ms`; refreshes last_seen_at (at most once a minute).
  virtual std::optional<domain::session> find_session(const std::string& token, domain::millis idle_ttl_ms) = 0;
  virtual void revoke_session(std::int64_t session_id) = 0;

  // --- API keys ------------------------------------------------------------------------------
  virtual created_key create_key(std::int64_t user_id, const std::string& name,
                                 const std::vector<std::string>& scopes, std::optional<domain::millis> expires_at) = 0;
  /// The key for a presented secret if it exists, is not revoked and not expired; records
  /// last_used_at (at most once a minute).
  virtual std::optional<domain::api_key> find_key(const std::string& secret) = 0;
  /// find_key and the key's owner in one call, answered from memory for up to `ttl_ms` after a
  /// database read (set_key_cache). Every change to users or keys through this store empties
  /// the cache at once, so a key revoked through this node is refused on its next request; a key
  /// revoked elsewhere (another node) is refused within `ttl_ms`. Keyed by the secret's SHA-256.
  virtual std::optional<key_owner> authenticate_key(const std::string& secret) = 0;
  /// How long authenticate_key may answer from memory; 0 turns the cache off.
  virtual void set_key_cache(domain::millis ttl_ms) = 0;
  virtual std::vector<domain::api_key> list_keys(std::int64_t user_id) = 0;
  /// Revokes the user's key; false when the user has no such key.
  virtual bool revoke_key(std::int64_t user_id, std::int64_t key_id) = 0;

  // --- audit ---------------------------------------------------------------------------------
  virtual void audit(const domain::audit_entry& e) = 0;
  virtual domain::page<domain::audit_entry> list_audit(int page, int limit) = 0;

  // --- failed-login throttling (shared by all nodes) -----------------------------------------
  // `who` is what is throttled: the username with the client's address (http/auth_routes.cpp).
  /// Milliseconds `who` must still wait before its next try (0: none).
  virtual domain::millis login_locked_for(const std::string& who) = 0;
  /// Counts a failure within `window_ms`; from the `max_failures`th on, each one makes `who` wait,
  /// 1 s doubling with each further failure, at most `lock_ms`.
  virtual void login_failed(const std::string& who, int max_failures, domain::millis window_ms, domain::millis lock_ms) = 0;
  virtual void login_succeeded(const std::string& who) = 0;

  // --- Idempotency-Key ------------------------------------------------------------------------
  /// Reserves (account, key) for a request; returns the existing record when there is one.
  virtual std::optional<domain::idempotent_response> reserve_idempotency(std::int64_t account,
                                                                         const std::string& key,
                                                                         const std::string& request_hash) = 0;
  virtual void complete_idempotency(std::int64_t account, const std::string& key, int status,
                                    const std::string& body, const std::string& location) = 0;
  virtual void release_idempotency(std::int64_t account, const std::string& key) = 0;
  /// Housekeeping: deletes Idempotency-Key records past their 24 hours, and sessions that expired
  /// or were revoked more than `older_than_ms` ago. Returns how many rows went.
  virtual int prune_expired(domain::millis older_than_ms) = 0;
};

} // namespace tunemantra::persistence
