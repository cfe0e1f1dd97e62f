#include "engine/core/sha256.hpp"

#include <sodium.h>

#include <fstream>
#include <stdexcept>

namespace hearth {
namespace {

std::string hex(const unsigned char* data, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 15];
  }
  return out;
}

}  // namespace

std::string sha256_file(const std::filesystem::path& file) {
  if (sodium_init() < 0) return "";
  std::ifstream in(file, std::ios::binary);
  if (!in) return "";
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0)
    crypto_hash_sha256_update(&st, reinterpret_cast<unsigned char*>(buf), static_cast<unsigned long long>(in.gcount()));
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, out);
  return hex(out, sizeof out);
}

struct Sha256::State {
  crypto_hash_sha256_state st;
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot start");
  crypto_hash_sha256_init(&state_->st);
}

Sha256::~Sha256() = default;

Sha256& Sha256::update(const void* data, size_t size) {
  crypto_hash_sha256_update(&state_->st, static_cast<const unsigned char*>(data), static_cast<unsigned long long>(size));
  return *this;
}

std::string Sha256::hex() {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state_->st, out);
  return hearth::hex(out, sizeof out);
}

std::string sha256_bytes(const std::string& bytes) {
  if (sodium_init() < 0) return "";
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return hex(out, sizeof out);
}

}  // namespace hearth
