// Reading and writing .hpack files (tar.gz through libarchive) under the safety rules: no absolute
// paths, no "..", no links leading outside the pack, no device or special files, and caps on the
// number of entries and the unpacked size. A refusal names the pack file and the entry.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hearth {

struct PackLimits {
  uint64_t max_bytes = uint64_t(4) << 30;  ///< unpacked size of all files together
  size_t max_entries = 20000;
};

struct PackEntry {
  enum class Kind { file, directory, symlink } kind = Kind::file;
  std::string path;    ///< normalised, relative: "lib/libtop3.so"
  std::string bytes;   ///< a file's content
  std::string target;  ///< a symlink's target, relative to its folder
  bool executable = false;
  /// A file's SHA-256 as hex, computed while it was read from the pack (read_pack only).
  std::string sha256 = {};
};

/// Every entry of `file`, checked; throws UsageError (or Error when unreadable) naming the entry.
std::vector<PackEntry> read_pack(const std::filesystem::path& file, const PackLimits& limits = {});

/// Writes `entries` as a tar.gz to `out` through a temporary file and a rename.
void write_pack(const std::filesystem::path& out, const std::vector<PackEntry>& entries);

/// The entry at `path`, or nullptr.
const PackEntry* find_entry(const std::vector<PackEntry>& entries, const std::string& path);

}  // namespace hearth
