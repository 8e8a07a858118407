#pragma once
// Password hashing (scrypt through OpenSSL), SHA-256, random tokens and constant-time comparison.
// Nothing here logs or keeps a secret.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tunemantra::domain::crypto {

/// scrypt cost: N = 2^log_n, r, p. Stored with every hash so it can be raised later.
struct scrypt_params {
  int log_n = 15; ///< N = 32768 (at least 14)
  int r = 8;
  int p = 1;
};

/// `scrypt$<log_n>$<r>$<p>$<salt base64>$<hash base64>` with a random 16-byte salt and a 32-byte hash.
std::string hash_password(std::string_view password, const scrypt_params& params);
/// Recomputes with the stored salt and parameters and compares in constant time.
/// A malformed stored hash never matches.
bool verify_password(std::string_view password, std::string_view stored);
/// True when `stored` was made with weaker parameters than `wanted` (rehash at next login).
bool needs_rehash(std::string_view stored, const scrypt_params& wanted);

/// Lower-case hex SHA-256.
std::string sha256_hex(std::string_view data);

/// SHA-256 over data that arrives in pieces (an upload streamed to disk).
class sha256_stream {
public:
  sha256_stream();
  ~sha256_stream();
  sha256_stream(const sha256_stream&) = delete;
  sha256_stream& operator=(const sha256_stream&) = delete;
  void update(std::string_view data);
  /// Lower-case hex digest; call once.
  std::string finish();

private:
  struct state;
  state* state_;
};
/// `bytes` random bytes from the OpenSSL CSPRNG as unpadded base64url.
std::string random_token(std::size_t bytes = 32);
/// Constant-time equality (the time depends on the length only).
bool equal_constant_time(std::string_view a, std::string_view b);

std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view text);

} // namespace tunemantra::domain::crypto
