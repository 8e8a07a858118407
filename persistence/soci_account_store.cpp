#include "persistence/soci_account_store.hpp"

#include <soci/soci.h>

#include "domain/text.hpp"
#include "domain/time.hpp"
#include "persistence/errors.hpp"
#include "persistence/paging.hpp"

namespace tunemantra::persistence {
namespace {

using domain::millis;
namespace crypto = domain::crypto;

/// How long an Idempotency-Key answer is kept (API.md: 24 h).
constexpr millis idempotency_ttl_ms = 24 * 3'600'000LL;

/// last_seen_at / last_used_at are refreshed at most this often, so reads stay reads.
constexpr millis touch_interval_ms = 60'000;

constexpr const char* user_columns = "id, username, email, full_name, role, status, created_at, updated_at";

struct user_row {
  long long id = 0, created = 0, updated = 0;
  std::string username, email, full_name, role, status;
  void bind(soci::details::prepare_temp_type& t) {
    t, soci::into(id), soci::into(username), soci::into(email), soci::into(full_name), soci::into(role),
      soci::into(status), soci::into(created), soci::into(updated);
  }
  domain::user get() const {
    return {id,
            username,
            email,
            full_name,
            domain::parse_role(role).value_or(domain::role::artist),
            domain::parse_user_status(status).value_or(domain::user_status::disabled),
            created,
            updated};
  }
};

std::optional<domain::user> select_user(soci::session& s, const std::string& where, long long id_value,
                                        const std::string* text_value = nullptr) {
  user_row row;
  auto temp = (s.prepare << std::string("SELECT ") + user_columns + " FROM users WHERE " + where);
  row.bind(temp);
  if (text_value)
    temp, soci::use(*text_value);
  else
    temp, soci::use(id_value);
  soci::statement st(temp);
  st.execute(false);
  if (!st.fetch())
    return std::nullopt;
  return row.get();
}

struct key_row {
  long long id = 0, user_id = 0, created = 0, expires = 0, revoked = 0, used = 0;
  std::string name, prefix, scopes, key_hash;
  soci::indicator expires_ind = soci::i_null, revoked_ind = soci::i_null, used_ind = soci::i_null;
  void bind(soci::details::prepare_temp_type& t) {
    t, soci::into(id), soci::into(user_id), soci::into(name), soci::into(prefix), soci::into(scopes),
      soci::into(created), soci::into(expires, expires_ind), soci::into(revoked, revoked_ind),
      soci::into(used, used_ind), soci::into(key_hash);
  }
  domain::api_key to_key() const {
    domain::api_key k;
    k.id = id;
    k.user_id = user_id;
    k.name = name;
    k.prefix = prefix;
    k.scopes = domain::split(scopes, ',');
    k.created_at = created;
    if (expires_ind == soci::i_ok)
      k.expires_at = expires;
    if (revoked_ind == soci::i_ok)
      k.revoked_at = revoked;
    if (used_ind == soci::i_ok)
      k.last_used_at = used;
    return k;
  }
};

constexpr const char* key_columns =
  "id, user_id, name, prefix, scopes, created_at, expires_at, revoked_at, last_used_at, key_hash";

/// A scrypt hash of nothing in particular: checked when the user does not exist, so that a
/// wrong username costs as much time as a wrong password.
const std::string& dummy_hash(const crypto::scrypt_params& p) {
  static const std::string hash = crypto::hash_password("tunemantra-timing-equaliser", p);
  return hash;
}

} // namespace

std::optional<domain::user> soci_account_store::create_user(const domain::new_user& u,
                                                            const crypto::scrypt_params& p) {
  const std::string hash = crypto::hash_password(u.password, p); // slow: outside the transaction
  std::optional<domain::user> out;
  const std::string lower = domain::lower(u.username);
  try {
    pool_.transact([&](soci::session& s) {
      out.reset();
      int taken = 0;
      s << "SELECT COUNT(*) FROM users WHERE username_lower = :u", soci::use(lower), soci::into(taken);
      if (taken)
        return;
      const long long now = domain::now_millis();
      const std::string role{domain::to_string(u.user_role)};
      long long id = 0;
      s << "INSERT INTO users (username, username_lower, email, full_name, role, status, password_hash, created_at, "
           "updated_at) VALUES (:u, :l, :e, :f, :r, 'active', :h, :c, :m) RETURNING id",
        soci::use(u.username), soci::use(lower), soci::use(u.email), soci::use(u.full_name), soci::use(role),
        soci::use(hash), soci::use(now), soci::use(now), soci::into(id);
      out = domain::user{id, u.username, u.email, u.full_name, u.user_role, domain::user_status::active, now, now};
    });
  } catch (const store_error&) {
    if (find_user_by_name(u.username))
      return std::nullopt; // lost a race for the same name on another node
    throw;
  }
  return out;
}

std::optional<domain::user> soci_account_store::find_user(std::int64_t id) {
  std::optional<domain::user> out;
  pool_.run([&](soci::session& s) { out = select_user(s, "id = :id", id); });
  return out;
}

std::optional<domain::user> soci_account_store::find_user_by_name(const std::string& username) {
  std::optional<domain::user> out;
  const std::string lower = domain::lower(username);
  pool_.run([&](soci::session& s) { out = select_user(s, "username_lower = :u", 0, &lower); });
  return out;
}

std::optional<domain::user> soci_account_store::check_password(const std::string& username,
                                                               const std::string& password,
                                                               const crypto::scrypt_params& p) {
  std::optional<domain::user> user;
  std::string hash;
  const std::string lower = domain::lower(username);
  pool_.run([&](soci::session& s) {
    user = select_user(s, "username_lower = :u", 0, &lower);
    if (user) {
      long long id = user->id;
      s << "SELECT password_hash FROM users WHERE id = :id", soci::use(id), soci::into(hash);
    }
  });
  if (!user) {
    crypto::verify_password(password, dummy_hash(p));
    return std::nullopt;
  }
  if (!crypto::verify_password(password, hash) || user->status != domain::user_status::active)
    return std::nullopt;
  if (crypto::needs_rehash(hash, p)) {
    const auto stronger = crypto::hash_password(password, p);
    long long id = user->id;
    pool_.transact([&](soci::session& s) {
      s << "UPDATE users SET password_hash = :h WHERE id = :id", soci::use(stronger), soci::use(id);
    });
  }
  return user;
}

void soci_account_store::set_password(std::int64_t user_id, const std::string& password,
                                      const crypto::scrypt_params& p) {
  const auto hash = crypto::hash_password(password, p);
  long long id = user_id, now = domain::now_millis();
  pool_.transact([&](soci::session& s) {
    s << "UPDATE users SET password_hash = :h, updated_at = :n WHERE id = :id", soci::use(hash), soci::use(now),
      soci::use(id);
    s << "UPDATE sessions SET revoked_at = :n WHERE user_id = :id AND revoked_at IS NULL", soci::use(now),
      soci::use(id);
  });
  forget_keys();
}

domain::page<domain::user> soci_account_store::list_users(const domain::user_filter& f) {
  domain::page<domain::user> out;
  out.page = std::max(f.page, 1);
  out.limit = std::clamp(f.limit, 1, 100);
  std::string where = " WHERE 1=1";
  std::string status, pattern;
  if (f.status) {
    where += " AND status = :s";
    status = std::string(domain::to_string(*f.status));
  }
  if (f.search) {
    where += " AND (username_lower LIKE :p ESCAPE '\\' OR lower(email) LIKE :p2 ESCAPE '\\' OR lower(full_name) "
             "LIKE :p3 ESCAPE '\\')";
    pattern = like_contains(*f.search);
  }
  auto bind = [&](soci::details::prepare_temp_type& t) {
    if (f.status)
      t, soci::use(status);
    if (f.search)
      t, soci::use(pattern), soci::use(pattern), soci::use(pattern);
  };
  pool_.run([&](soci::session& s) { fetch_page<user_row>(s, user_columns, "FROM users" + where, "id", bind, out); });
  return out;
}

std::optional<domain::user> soci_account_store::update_user(std::int64_t id, std::optional<domain::role> role,
                                                            std::optional<domain::user_status> status) {
  std::optional<domain::user> out;
  pool_.transact([&](soci::session& s) {
    out = select_user(s, "id = :id", id);
    if (!out)
      return;
    long long uid = id, now = domain::now_millis();
    if (role) {
      const std::string r{domain::to_string(*role)};
      s << "UPDATE users SET role = :r, updated_at = :n WHERE id = :id", soci::use(r), soci::use(now), soci::use(uid);
    }
    if (status) {
      const std::string st{domain::to_string(*status)};
      s << "UPDATE users SET status = :s, updated_at = :n WHERE id = :id", soci::use(st), soci::use(now),
        soci::use(uid);
      if (*status == domain::user_status::disabled) {
        s << "UPDATE sessions SET revoked_at = :n WHERE user_id = :id AND revoked_at IS NULL", soci::use(now),
          soci::use(uid);
        s << "UPDATE api_keys SET revoked_at = :n WHERE user_id = :id AND revoked_at IS NULL", soci::use(now),
          soci::use(uid);
      }
    }
    out = select_user(s, "id = :id", id);
  });
  forget_keys(); // a new role narrows its keys' scopes; disabling revoked them
  return out;
}

created_session soci_account_store::create_session(std::int64_t user_id, millis absolute_ttl_ms,
                                                   const std::string& ip, const std::string& user_agent) {
  created_session out;
  out.token = crypto::random_token(32);
  out.csrf_token = crypto::random_token(32);
  const auto token_hash = crypto::sha256_hex(out.token);
  out.session.csrf_hash = crypto::sha256_hex(out.csrf_token);
  out.session.user_id = user_id;
  out.session.created_at = out.session.last_seen_at = domain::now_millis();
  out.session.expires_at = out.session.created_at + absolute_ttl_ms;
  const std::string agent = user_agent.substr(0, 256);
  pool_.transact([&](soci::session& s) {
    long long uid = user_id, now = out.session.created_at, expires = out.session.expires_at, id = 0;
    s << "INSERT INTO sessions (user_id, token_hash, csrf_hash, created_at, last_seen_at, expires_at, ip, user_agent) "
         "VALUES (:u, :t, :c, :n, :n2, :e, :ip, :ua) RETURNING id",
      soci::use(uid), soci::use(token_hash), soci::use(out.session.csrf_hash), soci::use(now), soci::use(now),
      soci::use(expires), soci::use(ip), soci::use(agent), soci::into(id);
    out.session.id = id;
  });
  return out;
}

std::optional<domain::session> soci_account_store::find_session(const std::string& token, millis idle_ttl_ms) {
  std::optional<domain::session> out;
  const auto token_hash = crypto::sha256_hex(token);
  const long long now = domain::now_millis(), idle_since = now - idle_ttl_ms;
  pool_.run([&](soci::session& s) {
    domain::session found;
    long long id = 0, uid = 0, created = 0, seen = 0, expires = 0;
    std::string csrf;
    s << "SELECT s.id, s.user_id, s.csrf_hash, s.created_at, s.last_seen_at, s.expires_at FROM sessions s "
         "JOIN users u ON u.id = s.user_id WHERE s.token_hash = :t AND s.revoked_at IS NULL AND s.expires_at > :n "
         "AND s.last_seen_at > :i AND u.status = 'active'",
      soci::use(token_hash), soci::use(now), soci::use(idle_since), soci::into(id), soci::into(uid),
      soci::into(csrf), soci::into(created), soci::into(seen), soci::into(expires);
    if (!s.got_data())
      return;
    out = domain::session{id, uid, csrf, created, seen, expires};
  });
  if (out && now - out->last_seen_at > touch_interval_ms) {
    long long id = out->id, at = now;
    pool_.transact([&](soci::session& s) {
      s << "UPDATE sessions SET last_seen_at = :n WHERE id = :id", soci::use(at), soci::use(id);
    });
    out->last_seen_at = now;
  }
  return out;
}

void soci_account_store::revoke_session(std::int64_t session_id) {
  long long id = session_id, now = domain::now_millis();
  pool_.transact([&](soci::session& s) {
    s << "UPDATE sessions SET revoked_at = :n WHERE id = :id AND revoked_at IS NULL", soci::use(now), soci::use(id);
  });
}

created_key soci_account_store::create_key(std::int64_t user_id, const std::string& name,
                                           const std::vector<std::string>& scopes,
                                           std::optional<millis> expires_at) {
  created_key out;
  // The prefix is public (shown in lists, used to look the key up); the rest is the secret.
  out.key.prefix = "tm_" + crypto::sha256_hex(crypto::random_token(16)).substr(0, 10);
  out.secret = out.key.prefix + "_" + crypto::random_token(32);
  out.key.user_id = user_id;
  out.key.name = name;
  out.key.scopes = scopes;
  out.key.created_at = domain::now_millis();
  out.key.expires_at = expires_at;
  const auto key_hash = crypto::sha256_hex(out.secret);
  const auto scope_text = domain::join(scopes, ",");
  pool_.transact([&](soci::session& s) {
    long long uid = user_id, now = out.key.created_at, expires = expires_at.value_or(0), id = 0;
    soci::indicator expires_ind = expires_at ? soci::i_ok : soci::i_null;
    s << "INSERT INTO api_keys (user_id, name, prefix, key_hash, scopes, created_at, expires_at) "
         "VALUES (:u, :n, :p, :h, :s, :c, :e) RETURNING id",
      soci::use(uid), soci::use(name), soci::use(out.key.prefix), soci::use(key_hash), soci::use(scope_text),
      soci::use(now), soci::use(expires, expires_ind), soci::into(id);
    out.key.id = id;
  });
  return out;
}

std::optional<domain::api_key> soci_account_store::find_key(const std::string& secret) {
  // tm_<10 hex>_<secret>: the prefix is everything before the second '_'.
  const auto cut = secret.find('_', 3);
  if (!secret.starts_with("tm_") || cut == std::string::npos || secret.size() > 200)
    return std::nullopt;
  const std::string prefix = secret.substr(0, cut);
  std::optional<domain::api_key> out;
  std::string stored_hash;
  pool_.run([&](soci::session& s) {
    key_row row;
    auto temp = (s.prepare << std::string("SELECT k.") + "id, k.user_id, k.name, k.prefix, k.scopes, k.created_at, "
                                "k.expires_at, k.revoked_at, k.last_used_at, k.key_hash FROM api_keys k JOIN users u "
                                "ON u.id = k.user_id WHERE k.prefix = :p AND u.status = 'active'");
    row.bind(temp);
    temp, soci::use(prefix);
    soci::statement st(temp);
    st.execute(false);
    if (st.fetch()) {
      out = row.to_key();
      stored_hash = row.key_hash;
    }
  });
  const long long now = domain::now_millis();
  if (!out || !crypto::equal_constant_time(crypto::sha256_hex(secret), stored_hash) || out->revoked_at
      || (out->expires_at && *out->expires_at <= now))
    return std::nullopt;
  if (!out->last_used_at || now - *out->last_used_at > touch_interval_ms) {
    long long id = out->id, at = now;
    pool_.transact([&](soci::session& s) {
      s << "UPDATE api_keys SET last_used_at = :n WHERE id = :id", soci::use(at), soci::use(id);
    });
    out->last_used_at = now;
  }
  return out;
}

std::optional<key_owner> soci_account_store::authenticate_key(const std::string& secret) {
  if (secret.size() > 200)
    return std::nullopt;
  const auto now = std::chrono::steady_clock::now();
  const auto digest = crypto::sha256_hex(secret);
  std::uint64_t ticket = 0;
  {
    std::lock_guard lock(keys_mutex_);
    if (const auto it = keys_.find(digest); it != keys_.end()) {
      const auto& k = it->second.owner.key;
      if (it->second.until > now && (!k.expires_at || *k.expires_at > domain::now_millis()))
        return it->second.owner;
      keys_.erase(it);
    }
    ticket = keys_generation_;
  }
  auto key = find_key(secret);
  auto user = key ? find_user(key->user_id) : std::nullopt;
  if (!key || !user || user->status != domain::user_status::active)
    return std::nullopt;
  key_owner out{std::move(*key), std::move(*user)};
  std::lock_guard lock(keys_mutex_);
  // A revocation that ran while we read must not be undone by caching what we read before it.
  if (key_ttl_ms_ > 0 && ticket == keys_generation_) {
    if (keys_.size() >= 10'000)
      keys_.clear();
    keys_[digest] = {out, now + std::chrono::milliseconds(key_ttl_ms_)};
  }
  return out;
}

void soci_account_store::set_key_cache(millis ttl_ms) {
  std::lock_guard lock(keys_mutex_);
  key_ttl_ms_ = std::max<millis>(ttl_ms, 0);
  keys_.clear();
}

void soci_account_store::forget_keys() {
  std::lock_guard lock(keys_mutex_);
  ++keys_generation_;
  keys_.clear();
}

std::vector<domain::api_key> soci_account_store::list_keys(std::int64_t user_id) {
  std::vector<domain::api_key> out;
  pool_.run([&](soci::session& s) {
    out.clear();
    key_row row;
    long long uid = user_id;
    auto temp = (s.prepare << std::string("SELECT ") + key_columns + " FROM api_keys WHERE user_id = :u ORDER BY id");
    row.bind(temp);
    temp, soci::use(uid);
    soci::statement st(temp);
    st.execute(false);
    while (st.fetch())
      out.push_back(row.to_key());
  });
  return out;
}

bool soci_account_store::revoke_key(std::int64_t user_id, std::int64_t key_id) {
  bool found = false;
  pool_.transact([&](soci::session& s) {
    long long uid = user_id, kid = key_id, now = domain::now_millis();
    int n = 0;
    s << "SELECT COUNT(*) FROM api_keys WHERE id = :k AND user_id = :u", soci::use(kid), soci::use(uid),
      soci::into(n);
    found = n == 1;
    if (found)
      s << "UPDATE api_keys SET revoked_at = :n WHERE id = :k AND revoked_at IS NULL", soci::use(now),
        soci::use(kid);
  });
  forget_keys();
  return found;
}

void soci_account_store::audit(const domain::audit_entry& e) {
  pool_.transact([&](soci::session& s) {
    long long at = e.at ? e.at : domain::now_millis(), actor = e.actor_id.value_or(0);
    soci::indicator actor_ind = e.actor_id ? soci::i_ok : soci::i_null;
    s << "INSERT INTO audit_log (at, actor_id, action, target, ip, details) VALUES (:a, :u, :c, :t, :i, :d)",
      soci::use(at), soci::use(actor, actor_ind), soci::use(e.action), soci::use(e.target), soci::use(e.ip),
      soci::use(e.details);
  });
}

domain::page<domain::audit_entry> soci_account_store::list_audit(int page, int limit) {
  domain::page<domain::audit_entry> out;
  out.page = std::max(page, 1);
  out.limit = std::clamp(limit, 1, 100);
  pool_.run([&](soci::session& s) {
    out.items.clear();
    long long total = 0;
    s << "SELECT COUNT(*) FROM audit_log", soci::into(total);
    out.total = total;
    long long id = 0, at = 0, actor = 0, lim = out.limit, off = static_cast<long long>(out.page - 1) * out.limit;
    soci::indicator actor_ind = soci::i_null;
    std::string action, target, ip, details;
    soci::statement st = (s.prepare << "SELECT id, at, actor_id, action, target, ip, details FROM audit_log "
                                       "ORDER BY id DESC LIMIT :l OFFSET :o",
                          soci::into(id), soci::into(at), soci::into(actor, actor_ind), soci::into(action),
                          soci::into(target), soci::into(ip), soci::into(details), soci::use(lim), soci::use(off));
    st.execute(false);
    while (st.fetch()) {
      domain::audit_entry e{id, at, std::nullopt, action, target, ip, details};
      if (actor_ind == soci::i_ok)
        e.actor_id = actor;
      out.items.push_back(std::move(e));
    }
  });
  return out;
}

millis soci_account_store::login_locked_for(const std::string& username) {
  long long until = 0;
  const auto lower = domain::lower(username);
  pool_.run([&](soci::session& s) {
    soci::indicator ind = soci::i_null;
    s << "SELECT locked_until FROM login_failures WHERE username_lower = :u", soci::use(lower), soci::into(until, ind);
    if (!s.got_data() || ind != soci::i_ok)
      until = 0;
  });
  return std::max<millis>(0, until - domain::now_millis());
}

void soci_account_store::login_failed(const std::string& username, int max_failures, millis window_ms,
                                      millis lock_ms) {
  const auto lower = domain::lower(username);
  pool_.transact([&](soci::session& s) {
    const long long now = domain::now_millis();
    long long start = 0;
    int failures = 0;
    s << "SELECT failures, window_start FROM login_failures WHERE username_lower = :u", soci::use(lower),
      soci::into(failures), soci::into(start);
    const bool exists = s.got_data();
    if (!exists || now - start > window_ms) {
      failures = 0;
      start = now;
    }
    ++failures;
    // Growing waits, not one long lock: 1 s at the max_failures'th failure, doubling after.
    const auto over = std::min(failures - max_failures, 30);
    long long locked_until = failures >= max_failures ? now + std::min<long long>(lock_ms, 1000LL << over) : 0;
    if (exists)
      s << "UPDATE login_failures SET failures = :f, window_start = :w, locked_until = :l WHERE username_lower = :u",
        soci::use(failures), soci::use(start), soci::use(locked_until), soci::use(lower);
    else
      s << "INSERT INTO login_failures (username_lower, failures, window_start, locked_until) VALUES (:u, :f, :w, :l)",
        soci::use(lower), soci::use(failures), soci::use(start), soci::use(locked_until);
  });
}

void soci_account_store::login_succeeded(const std::string& username) {
  const auto lower = domain::lower(username);
  pool_.transact([&](soci::session& s) { s << "DELETE FROM login_failures WHERE username_lower = :u", soci::use(lower); });
}

std::optional<domain::idempotent_response> soci_account_store::reserve_idempotency(std::int64_t account,
                                                                                   const std::string& key,
                                                                                   const std::string& request_hash) {
  std::optional<domain::idempotent_response> out;
  pool_.transact([&](soci::session& s) {
    out.reset();
    long long acc = account, now = domain::now_millis(), cutoff = now - idempotency_ttl_ms;
    // A record past its 24 hours no longer counts, whether or not housekeeping removed it yet.
    s << "DELETE FROM idempotency_keys WHERE account_id = :a AND idem_key = :k AND created_at < :c", soci::use(acc),
      soci::use(key), soci::use(cutoff);
    domain::idempotent_response r;
    s << "SELECT request_hash, status, body, location FROM idempotency_keys WHERE account_id = :a AND idem_key = :k",
      soci::use(acc), soci::use(key), soci::into(r.request_hash), soci::into(r.status), soci::into(r.body),
      soci::into(r.location);
    if (s.got_data()) {
      out = r;
      return;
    }
    s << "INSERT INTO idempotency_keys (account_id, idem_key, request_hash, created_at) VALUES (:a, :k, :h, :c)",
      soci::use(acc), soci::use(key), soci::use(request_hash), soci::use(now);
  });
  return out;
}

void soci_account_store::complete_idempotency(std::int64_t account, const std::string& key, int status,
                                              const std::string& body, const std::string& location) {
  long long acc = account;
  pool_.transact([&](soci::session& s) {
    s << "UPDATE idempotency_keys SET status = :s, body = :b, location = :l WHERE account_id = :a AND idem_key = :k",
      soci::use(status), soci::use(body), soci::use(location), soci::use(acc), soci::use(key);
  });
}

void soci_account_store::release_idempotency(std::int64_t account, const std::string& key) {
  long long acc = account;
  pool_.transact([&](soci::session& s) {
    s << "DELETE FROM idempotency_keys WHERE account_id = :a AND idem_key = :k AND status = 0", soci::use(acc),
      soci::use(key);
  });
}

int soci_account_store::prune_expired(millis older_than_ms) {
  int n = 0;
  pool_.transact([&](soci::session& s) {
    const long long now = domain::now_millis(), idem_before = now - idempotency_ttl_ms,
                    before = now - older_than_ms;
    soci::statement idem = (s.prepare << "DELETE FROM idempotency_keys WHERE created_at < :b", soci::use(idem_before));
    idem.execute(true);
    soci::statement sessions = (s.prepare << "DELETE FROM sessions WHERE expires_at < :b OR revoked_at < :b2",
                                soci::use(before), soci::use(before));
    sessions.execute(true);
    n = static_cast<int>(idem.get_affected_rows() + sessions.get_affected_rows());
  });
  return n;
}

} // namespace tunemantra::persistence
