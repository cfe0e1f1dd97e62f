// SHA-256 (libsodium) of files and bytes, as lowercase hex.
#pragma once

#include <filesystem>
#include <string>

namespace hearth {

/// SHA-256 of a file as hex; "" when it cannot be read.
std::string sha256_file(const std::filesystem::path& file);

/// SHA-256 of `bytes` as hex.
std::string sha256_bytes(const std::string& bytes);

}  // namespace hearth
