// Discovery: search roots → candidate files → scan (cached, in a child process) → modules by name.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/discovery/plugin_scanner.hpp"
#include "engine/discovery/scan_cache.hpp"
#include "engine/discovery/scan_result.hpp"
#include "engine/discovery/search_roots.hpp"

namespace hearth {

struct DiscoveryOptions {
  RootOptions roots;
  fs::path cache_folder = ScanCache::default_folder();
  PluginScanner::Options scanner;
  bool rescan = false;  ///< ignore cached results (blocked files are tried again)
};

/// One module offered by a library that passed its scan.
struct ModuleEntry {
  ModuleInfo info;
  std::string pack;          ///< pack.toml name of its pack folder, else the library's pack name
  std::string pack_version;
  fs::path file;
  std::string origin;        ///< which search root found it
  const LibraryInfo* library = nullptr;
  bool shadowed = false;     ///< an earlier library offers the same category and name
};

/// A name offered twice: the first in search order wins.
struct NameClash {
  hearth_category category;
  std::string name;
  fs::path winner;
  fs::path loser;
};

class PluginRegistry {
 public:
  /// Searches, scans what the cache does not know, and indexes the modules. Logs a warning per
  /// name clash and per newly rejected or blocked file.
  static PluginRegistry discover(const DiscoveryOptions& options);

  const std::vector<SearchRoot>& roots() const { return roots_; }
  /// Every module, winners and shadowed ones, in search order.
  const std::vector<ModuleEntry>& modules() const { return modules_; }
  /// Files that were rejected or blocked, with reasons.
  const std::vector<ScanResult>& problems() const { return problems_; }
  const std::vector<NameClash>& clashes() const { return clashes_; }
  /// How many files were scanned now (not answered from the cache).
  size_t scanned_now() const { return scanned_now_; }

  /// The module `name` or `pack:name` of a category. Throws UsageError naming the closest
  /// modules, or the blocked file that would have offered it.
  const ModuleEntry& find(hearth_category category, const std::string& name) const;
  /// Modules named `name` or `pack:name` in any category (winners only unless pack-qualified).
  std::vector<const ModuleEntry*> lookup(const std::string& name) const;
  /// Modules offered by a file.
  std::vector<const ModuleEntry*> in_file(const fs::path& file) const;

 private:
  std::vector<SearchRoot> roots_;
  std::vector<ScanResult> libraries_;  // ok ones; ModuleEntry::library points in here
  std::vector<ModuleEntry> modules_;
  std::vector<ScanResult> problems_;
  std::vector<NameClash> clashes_;
  size_t scanned_now_ = 0;
};

}  // namespace hearth
