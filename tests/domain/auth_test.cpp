#include "domain/auth.hpp"
#include "domain/crypto.hpp"

#include <set>

#include <gtest/gtest.h>

namespace tunemantra::domain {
namespace {

namespace c = crypto;

TEST(password_hashing, verifies_the_right_password_only) {
  const c::scrypt_params p{14, 8, 1};
  const auto hash = c::hash_password("correct horse battery", p);
  EXPECT_TRUE(hash.starts_with("scrypt$14$8$1$"));
  EXPECT_TRUE(c::verify_password("correct horse battery", hash));
  EXPECT_FALSE(c::verify_password("correct horse batterY", hash));
  EXPECT_FALSE(c::verify_password("", hash));
  EXPECT_EQ(hash.find("correct"), std::string::npos);
}

TEST(password_hashing, every_hash_has_its_own_salt) {
  const c::scrypt_params p{14, 8, 1};
  EXPECT_NE(c::hash_password("same password", p), c::hash_password("same password", p));
}

TEST(password_hashing, malformed_stored_hashes_never_match) {
  for (const char* bad : {"", "scrypt", "scrypt$14$8$1$$", "bcrypt$14$8$1$c2FsdA==$aGFzaA==", "scrypt$99$8$1$c2FsdA==$aGFzaA==",
                          "scrypt$x$8$1$c2FsdA==$aGFzaA==", "scrypt$14$8$1$!!!!$aGFzaA=="})
    EXPECT_FALSE(c::verify_password("anything", bad)) << bad;
}

TEST(password_hashing, weaker_parameters_ask_for_a_rehash) {
  const auto weak = c::hash_password("pw-12345678", {14, 8, 1});
  EXPECT_TRUE(c::needs_rehash(weak, {15, 8, 1}));
  EXPECT_FALSE(c::needs_rehash(weak, {14, 8, 1}));
  EXPECT_TRUE(c::needs_rehash("garbage", {14, 8, 1}));
}

TEST(tokens, are_random_url_safe_and_long_enough) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const auto t = c::random_token(32);
    EXPECT_EQ(t.size(), 43u); // 256 bits in unpadded base64url
    EXPECT_EQ(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(hashing, sha256_matches_the_standard_vector) {
  EXPECT_EQ(c::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(c::equal_constant_time("abc", "abc"));
  EXPECT_FALSE(c::equal_constant_time("abc", "abd"));
  EXPECT_FALSE(c::equal_constant_time("abc", "abcd"));
  EXPECT_EQ(c::base64_decode(c::base64_encode(std::string("\0\1\2xyz", 6))), std::string("\0\1\2xyz", 6));
  EXPECT_FALSE(c::base64_decode("abc").has_value());
}

TEST(roles_and_scopes, admin_holds_all_others_all_but_admin) {
  EXPECT_EQ(scopes_of(role::admin), all_scopes());
  for (auto r : {role::label, role::artist}) {
    const auto s = scopes_of(r);
    EXPECT_EQ(s.size(), all_scopes().size() - 1);
    EXPECT_FALSE(has_scope(s, "admin"));
    EXPECT_TRUE(has_scope(s, "catalog:write"));
  }
  EXPECT_TRUE(has_scope({"admin"}, "royalties:write")); // admin implies every scope
  EXPECT_FALSE(has_scope({"catalog:read"}, "catalog:write"));
  EXPECT_TRUE(is_scope("analytics:read"));
  EXPECT_FALSE(is_scope("catalog:delete"));
  EXPECT_EQ(parse_role("label"), role::label);
  EXPECT_FALSE(parse_role("root").has_value());
}

TEST(roles_and_scopes, job_kinds_map_to_their_scopes) {
  EXPECT_EQ(scope_for_job("distribution", true), "distribution:write");
  EXPECT_EQ(scope_for_job("bulk_distribution", false), "distribution:read");
  EXPECT_EQ(scope_for_job("sales_import", true), "analytics:write");
  EXPECT_EQ(scope_for_job("royalty_calculation", true), "royalties:write");
  EXPECT_EQ(scope_for_job("sleep", true), "admin");
}

TEST(validators, usernames) {
  EXPECT_FALSE(check_username("ada"));
  EXPECT_FALSE(check_username("Ada.Lovelace_1-x"));
  EXPECT_TRUE(check_username("ab"));
  EXPECT_TRUE(check_username(std::string(33, 'a')));
  EXPECT_TRUE(check_username("ada lovelace"));
  EXPECT_TRUE(check_username("ada'--"));
  EXPECT_TRUE(check_username("ädä"));
}

TEST(validators, emails_passwords_and_names) {
  EXPECT_FALSE(check_email("ada@example.com"));
  for (const char* bad : {"", "ada", "@example.com", "ada@", "ada@example", "ada@@example.com", "a da@example.com",
                          "ada@example.com.", "ada@.com"})
    EXPECT_TRUE(check_email(bad)) << bad;
  EXPECT_FALSE(check_password("12345678"));
  EXPECT_TRUE(check_password("1234567"));
  EXPECT_TRUE(check_password(std::string(129, 'x')));
  EXPECT_FALSE(check_full_name("Ada Lovelace"));
  EXPECT_TRUE(check_full_name("   "));
  EXPECT_TRUE(check_full_name(std::string(101, 'x')));
}

} // namespace
} // namespace tunemantra::domain
