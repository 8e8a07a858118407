// account_store details that HTTP cannot reach quickly: expiry of idempotency records and
// housekeeping of expired sessions, on both backends.

#include <thread>

#include <gtest/gtest.h>
#include <soci/soci.h>

#include "domain/time.hpp"
#include "persistence/connection_pool.hpp"
#include "persistence/store.hpp"
#include "tests/support/test_support.hpp"

namespace tunemantra::persistence {
namespace {

class account_store_test : public ::testing::TestWithParam<backend_kind> {
protected:
  void SetUp() override {
    store_ = open_store(test::database_config_for(url_));
    store_->migrate();
  }
  /// Runs raw SQL, as time passing would: moves timestamps into the past.
  void sql(const std::string& statement) {
    connection_pool pool{parse_database_url(url_), pool_options{}};
    auto s = pool.acquire();
    *s << statement;
  }
  test::scratch_database db_{GetParam()};
  std::string url_ = db_.url();
  std::unique_ptr<store> store_;
};

TEST_P(account_store_test, idempotency_records_replay_for_24_hours_only) {
  auto& a = store_->accounts();
  EXPECT_FALSE(a.reserve_idempotency(7, "k1", "hash-a").has_value());
  const auto running = a.reserve_idempotency(7, "k1", "hash-a");
  ASSERT_TRUE(running);
  EXPECT_EQ(running->status, 0);
  a.complete_idempotency(7, "k1", 201, R"({"data":1})", "/api/x/1");
  const auto done = a.reserve_idempotency(7, "k1", "hash-a");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 201);
  EXPECT_EQ(done->body, R"({"data":1})");
  EXPECT_EQ(done->location, "/api/x/1");
  EXPECT_FALSE(a.reserve_idempotency(8, "k1", "hash-a").has_value()); // another account: its own key space
  sql("UPDATE idempotency_keys SET created_at = created_at - 25 * 3600 * 1000");
  EXPECT_FALSE(a.reserve_idempotency(7, "k1", "hash-b").has_value()); // expired: a fresh start
  a.release_idempotency(7, "k1");
  EXPECT_FALSE(a.reserve_idempotency(7, "k1", "hash-c").has_value()); // released: free again
}

TEST_P(account_store_test, housekeeping_removes_long_expired_sessions_and_records) {
  auto& a = store_->accounts();
  const auto user = a.create_user({"sam", "sam@example.com", "Sam", "12345678", domain::role::artist}, {14, 8, 1});
  const auto live = a.create_session(user->id, 3'600'000, "ip", "ua");
  const auto old = a.create_session(user->id, 3'600'000, "ip", "ua");
  a.reserve_idempotency(user->id, "old", "h");
  sql("UPDATE sessions SET expires_at = expires_at - 50 * 3600 * 1000 WHERE id = " + std::to_string(old.session.id));
  sql("UPDATE idempotency_keys SET created_at = created_at - 25 * 3600 * 1000");
  EXPECT_EQ(a.prune_expired(24 * 3'600'000LL), 2);
  EXPECT_TRUE(a.find_session(live.token, 60'000).has_value());
  EXPECT_EQ(a.prune_expired(24 * 3'600'000LL), 0);
}

TEST_P(account_store_test, keys_answer_from_memory_until_a_change_through_this_store_or_the_ttl) {
  auto& a = store_->accounts();
  a.set_key_cache(60'000);
  const auto user = a.create_user({"kim", "kim@example.com", "Kim", "12345678", domain::role::label}, {14, 8, 1});
  const auto one = a.create_key(user->id, "one", {"catalog:read"}, std::nullopt);
  const auto two = a.create_key(user->id, "two", {"catalog:read"}, std::nullopt);
  ASSERT_TRUE(a.authenticate_key(one.secret));
  ASSERT_TRUE(a.authenticate_key(two.secret));
  EXPECT_FALSE(a.authenticate_key(one.secret + "x"));

  // Revoked through this store: refused on the very next request.
  ASSERT_TRUE(a.revoke_key(user->id, one.key.id));
  EXPECT_FALSE(a.authenticate_key(one.secret));

  // Revoked behind its back (as another node would): answered from memory while the TTL lasts ...
  ASSERT_TRUE(a.authenticate_key(two.secret));
  sql("UPDATE api_keys SET revoked_at = 1 WHERE id = " + std::to_string(two.key.id));
  EXPECT_TRUE(a.authenticate_key(two.secret));
  // ... and refused once it has run out (a short TTL; only a lower bound on time is assumed).
  a.set_key_cache(200);
  const auto four = a.create_key(user->id, "four", {"catalog:read"}, std::nullopt);
  ASSERT_TRUE(a.authenticate_key(four.secret));
  sql("UPDATE api_keys SET revoked_at = 1 WHERE id = " + std::to_string(four.key.id));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(a.authenticate_key(four.secret));
  EXPECT_FALSE(a.authenticate_key(two.secret));
  a.set_key_cache(60'000);

  // A demoted owner is seen at once: the cached owner is forgotten with the change.
  const auto three = a.create_key(user->id, "three", {"catalog:read"}, std::nullopt);
  ASSERT_EQ(a.authenticate_key(three.secret)->user.user_role, domain::role::label);
  a.update_user(user->id, domain::role::artist, std::nullopt);
  EXPECT_EQ(a.authenticate_key(three.secret)->user.user_role, domain::role::artist);
  a.update_user(user->id, std::nullopt, domain::user_status::disabled);
  EXPECT_FALSE(a.authenticate_key(three.secret));
}

TEST_P(account_store_test, with_the_key_cache_off_every_check_reads_the_database) {
  auto& a = store_->accounts();
  a.set_key_cache(0);
  const auto user = a.create_user({"lee", "lee@example.com", "Lee", "12345678", domain::role::label}, {14, 8, 1});
  const auto key = a.create_key(user->id, "k", {"catalog:read"}, std::nullopt);
  ASSERT_TRUE(a.authenticate_key(key.secret));
  sql("UPDATE api_keys SET revoked_at = 1 WHERE id = " + std::to_string(key.key.id));
  EXPECT_FALSE(a.authenticate_key(key.secret));
}

INSTANTIATE_TEST_SUITE_P(backends, account_store_test, test::both_backends(), test::backend_name);

} // namespace
} // namespace tunemantra::persistence
