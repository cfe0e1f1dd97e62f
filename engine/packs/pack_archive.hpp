// Reading and writing .hpack files (tar.gz through libarchive) under the safety rules: no absolute
// paths, no "..", no links leading outside the pack, no device or special files, and caps on the
// number of entries and the unpacked size. A refusal names the pack file and the entry.
// Files stream through: reading hashes each file as it passes (and writes it into a folder when
// unpacking), so a pack of any size costs a buffer in memory; only pack.toml and pack.sig, small
// by nature and capped, are held.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hearth {

struct PackLimits {
  uint64_t max_bytes = uint64_t(4) << 30;  ///< unpacked size of all files together
  size_t max_entries = 20000;
  uint64_t max_inline_bytes = 1 << 20;     ///< pack.toml and pack.sig, each (read into memory)
};

struct PackEntry {
  enum class Kind { file, directory, symlink } kind = Kind::file;
  std::string path;    ///< normalised, relative: "lib/libtop3.so"
  /// A file's content in memory: pack.toml and pack.sig as read_pack gives them, or an entry to
  /// write that has no `source`.
  std::string bytes;
  std::string target;  ///< a symlink's target, relative to its folder
  bool executable = false;
  /// A file's SHA-256 as hex and its size, computed while it was read from the pack (read_pack only).
  std::string sha256 = {};
  uint64_t size = 0;
  /// A file on disk holding the content: read_pack's unpacked copy; write_pack streams from it.
  std::filesystem::path source = {};
};

/// Every entry of `file`, checked; throws UsageError (or Error when unreadable) naming the entry.
/// With `unpack_to` (an empty folder) every entry is also written there as it is read, and each
/// file's `source` names its copy.
std::vector<PackEntry> read_pack(const std::filesystem::path& file, const PackLimits& limits = {},
                                 const std::filesystem::path& unpack_to = {});

/// Writes `entries` as a tar.gz to `out` through a temporary file and a rename; a file's content
/// comes from its `source` when it has one, else from `bytes`.
void write_pack(const std::filesystem::path& out, const std::vector<PackEntry>& entries);

/// The entry at `path`, or nullptr.
const PackEntry* find_entry(const std::vector<PackEntry>& entries, const std::string& path);

}  // namespace hearth
