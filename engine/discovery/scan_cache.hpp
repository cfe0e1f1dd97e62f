// Scan results cached per user, keyed by path, size and mtime, and invalidated as a whole when the
// host's plugin ABI or LibTorch changes. Blocked libraries live here too: the block list.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "engine/discovery/scan_result.hpp"

namespace hearth {

namespace fs = std::filesystem;

/// Identity of a file version: a change of either means "scan again".
struct FileStamp {
  uintmax_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileStamp& o) const { return size == o.size && mtime_ns == o.mtime_ns; }
};

/// Size and modification time of `path`; nullopt when it cannot be read.
std::optional<FileStamp> stamp_of(const fs::path& path);

class ScanCache {
 public:
  /// $HEARTH_CACHE_DIR, else $XDG_CACHE_HOME/hearth, else ~/.cache/hearth.
  static fs::path default_folder();

  /// Reads `folder`/plugin-scan.json; a missing, corrupt or other-host file gives an empty cache.
  explicit ScanCache(fs::path folder);

  std::optional<ScanResult> find(const std::string& path, const FileStamp& stamp) const;
  void store(const ScanResult& result, const FileStamp& stamp);
  /// Drops entries whose file no longer exists.
  void prune();
  /// Writes atomically (temporary file, then rename). Failure to write only costs a rescan later,
  /// so it is reported as a warning, not an error.
  void save() const;
  fs::path file() const { return folder_ / "plugin-scan.json"; }

 private:
  struct Entry {
    FileStamp stamp;
    ScanResult result;
  };
  fs::path folder_;
  std::map<std::string, Entry> entries_;
  bool dirty_ = false;
};

}  // namespace hearth
