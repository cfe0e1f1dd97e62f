#include "engine/core/sha256.hpp"

#include <sodium.h>

#include <fstream>

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

std::string sha256_bytes(const std::string& bytes) {
  if (sodium_init() < 0) return "";
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return hex(out, sizeof out);
}

}  // namespace hearth
