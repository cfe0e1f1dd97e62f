// SHA-256 (libsodium) of files and bytes, as lowercase hex.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

namespace hearth {

/// SHA-256 of a file as hex; "" when it cannot be read.
std::string sha256_file(const std::filesystem::path& file);

/// SHA-256 of `bytes` as hex.
std::string sha256_bytes(const std::string& bytes);

/// SHA-256 of bytes given in pieces (no copy of the whole).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256& update(const void* data, size_t size);
  /// The digest as hex; the object is spent after this.
  std::string hex();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace hearth
