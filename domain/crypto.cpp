#include "domain/crypto.hpp"

#include <stdexcept>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace tunemantra::domain::crypto {
namespace {

constexpr std::size_t salt_bytes = 16;
constexpr std::size_t hash_bytes = 32;

std::string scrypt(std::string_view password, std::string_view salt, const scrypt_params& p) {
  std::string out(hash_bytes, '\0');
  const std::uint64_t n = std::uint64_t{1} << p.log_n;
  // maxmem: 128 * r * N plus room; OpenSSL refuses parameters that need more.
  const std::uint64_t maxmem = 128ull * static_cast<std::uint64_t>(p.r) * n * 2 + (1u << 20);
  if (EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                     salt.size(), n, static_cast<std::uint64_t>(p.r), static_cast<std::uint64_t>(p.p), maxmem,
                     reinterpret_cast<unsigned char*>(out.data()), out.size())
      != 1)
    throw std::runtime_error("scrypt failed");
  return out;
}

struct parsed_hash {
  scrypt_params params;
  std::string salt;
  std::string hash;
};

std::optional<parsed_hash> parse(std::string_view stored) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= stored.size()) {
    auto dollar = stored.find('$', start);
    if (dollar == std::string_view::npos)
      dollar = stored.size();
    parts.push_back(stored.substr(start, dollar - start));
    start = dollar + 1;
  }
  if (parts.size() != 6 || parts[0] != "scrypt")
    return std::nullopt;
  parsed_hash out;
  try {
    out.params.log_n = std::stoi(std::string(parts[1]));
    out.params.r = std::stoi(std::string(parts[2]));
    out.params.p = std::stoi(std::string(parts[3]));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (out.params.log_n < 10 || out.params.log_n > 22 || out.params.r < 1 || out.params.r > 32 || out.params.p < 1
      || out.params.p > 16)
    return std::nullopt;
  auto salt = base64_decode(parts[4]);
  auto hash = base64_decode(parts[5]);
  if (!salt || !hash || hash->size() != hash_bytes)
    return std::nullopt;
  out.salt = std::move(*salt);
  out.hash = std::move(*hash);
  return out;
}

} // namespace

std::string hash_password(std::string_view password, const scrypt_params& params) {
  std::string salt(salt_bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1)
    throw std::runtime_error("random source failed");
  return "scrypt$" + std::to_string(params.log_n) + "$" + std::to_string(params.r) + "$" + std::to_string(params.p)
         + "$" + base64_encode(salt) + "$" + base64_encode(scrypt(password, salt, params));
}

bool verify_password(std::string_view password, std::string_view stored) {
  const auto parsed = parse(stored);
  if (!parsed)
    return false;
  return equal_constant_time(scrypt(password, parsed->salt, parsed->params), parsed->hash);
}

bool needs_rehash(std::string_view stored, const scrypt_params& wanted) {
  const auto parsed = parse(stored);
  return !parsed || parsed->params.log_n < wanted.log_n || parsed->params.r < wanted.r || parsed->params.p < wanted.p;
}

namespace {
std::string hex_digest(const unsigned char* digest, std::size_t size) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}
} // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return hex_digest(digest, sizeof digest);
}

struct sha256_stream::state {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
};

sha256_stream::sha256_stream() : state_(new state) {
  if (!state_->ctx || EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(state_->ctx);
    delete state_;
    throw std::runtime_error("SHA-256 is unavailable");
  }
}

sha256_stream::~sha256_stream() {
  EVP_MD_CTX_free(state_->ctx);
  delete state_;
}

void sha256_stream::update(std::string_view data) { EVP_DigestUpdate(state_->ctx, data.data(), data.size()); }

std::string sha256_stream::finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(state_->ctx, digest, &size);
  return hex_digest(digest, size);
}

std::string random_token(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) != 1)
    throw std::runtime_error("random source failed");
  std::string out = base64_encode(raw);
  for (auto& c : out) {
    if (c == '+')
      c = '-';
    else if (c == '/')
      c = '_';
  }
  while (!out.empty() && out.back() == '=')
    out.pop_back();
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string base64_encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0)
    return std::nullopt;
  std::string out(3 * text.size() / 4 + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0)
    return std::nullopt;
  std::size_t len = static_cast<std::size_t>(n);
  if (text.back() == '=')
    --len;
  if (text.size() >= 2 && text[text.size() - 2] == '=')
    --len;
  out.resize(len);
  return out;
}

} // namespace tunemantra::domain::crypto
