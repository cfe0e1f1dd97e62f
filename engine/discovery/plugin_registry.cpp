#include "engine/discovery/plugin_registry.hpp"

#include <spdlog/spdlog.h>
#include <toml++/toml.h>

#include <map>
#include <memory>

#include "engine/core/byte_text.hpp"
#include "engine/core/category.hpp"
#include "engine/core/error.hpp"
#include "engine/params/suggest.hpp"

namespace hearth {
namespace {

std::string pack_toml_name(const fs::path& pack_folder) {
  try {
    toml::table t = toml::parse_file((pack_folder / "pack.toml").string());
    if (auto name = t["name"].value<std::string>()) return *name;
  } catch (const std::exception& e) {
    spdlog::warn("{}: unreadable pack manifest ({}); using the libraries' own pack names",
                 (pack_folder / "pack.toml").string(), e.what());
  }
  return {};
}

std::pair<std::string, std::string> split_pack(const std::string& name) {
  auto colon = name.find(':');
  if (colon == std::string::npos) return {"", name};
  return {name.substr(0, colon), name.substr(colon + 1)};
}

}  // namespace

PluginRegistry PluginRegistry::discover(const DiscoveryOptions& options) {
  PluginRegistry reg;
  reg.roots_ = search_roots(options.roots);
  std::vector<CandidateFile> candidates = list_candidates(reg.roots_);

  ScanCache cache(options.cache_folder);
  std::unique_ptr<PluginScanner> scanner;  // started only when something is not cached
  std::vector<ScanResult> results;
  for (const CandidateFile& c : candidates) {
    std::string path = fs::absolute(c.path).lexically_normal().string();
    auto stamp = stamp_of(path);
    if (!stamp) continue;
    std::optional<ScanResult> result;
    if (!options.rescan) result = cache.find(path, *stamp);
    // Blocked for hanging under a shorter timeout than this scan's: give it the longer one.
    if (result && result->timeout_ms > 0 && result->timeout_ms < options.scanner.library_timeout.count()) result.reset();
    if (!result) {
      if (!scanner) scanner = std::make_unique<PluginScanner>(options.scanner);
      result = scanner->scan(path);
      ++reg.scanned_now_;
      cache.store(*result, *stamp);
      if (result->status != ScanStatus::ok)
        spdlog::warn("plugin {} {}: {}", printable(path), scan_status_name(result->status), result->reason);
    }
    results.push_back(*result);
  }
  cache.prune();
  cache.save();

  // libraries_ must not reallocate once entries point into it.
  for (const ScanResult& r : results)
    if (r.status == ScanStatus::ok) reg.libraries_.push_back(r);
    else reg.problems_.push_back(r);

  std::map<std::pair<int, std::string>, fs::path> first;
  size_t lib_index = 0;
  for (size_t i = 0; i < candidates.size() && lib_index < reg.libraries_.size(); ++i) {
    std::string path = fs::absolute(candidates[i].path).lexically_normal().string();
    if (reg.libraries_[lib_index].path != path) continue;
    const ScanResult& lib = reg.libraries_[lib_index++];
    std::string pack = lib.library.pack_name;
    if (candidates[i].pack_folder)
      if (std::string n = pack_toml_name(*candidates[i].pack_folder); !n.empty()) pack = n;
    for (const ModuleInfo& m : lib.library.modules) {
      ModuleEntry e;
      e.info = m;
      e.pack = pack;
      e.pack_version = lib.library.pack_version;
      e.file = lib.path;
      e.origin = reg.roots_[candidates[i].root_index].origin;
      e.library = &lib.library;
      auto [it, inserted] = first.emplace(std::make_pair(static_cast<int>(m.category), m.name), e.file);
      if (!inserted) {
        e.shadowed = true;
        reg.clashes_.push_back({m.category, m.name, it->second, e.file});
        spdlog::warn("{} '{}' is offered by both {} and {}; using the first (earlier in the search order). "
                     "Pick the other as 'pack:{}' or remove one",
                     category_name(m.category), m.name, it->second.string(), e.file.string(), m.name);
      }
      reg.modules_.push_back(std::move(e));
    }
  }
  return reg;
}

std::vector<const ModuleEntry*> PluginRegistry::lookup(const std::string& name) const {
  auto [pack, bare] = split_pack(name);
  std::vector<const ModuleEntry*> out;
  for (const ModuleEntry& m : modules_) {
    if (m.info.name != bare) continue;
    if (pack.empty() ? !m.shadowed : m.pack == pack) out.push_back(&m);
  }
  return out;
}

std::vector<const ModuleEntry*> PluginRegistry::in_file(const fs::path& file) const {
  std::error_code ec;
  fs::path want = fs::weakly_canonical(file, ec);
  std::vector<const ModuleEntry*> out;
  for (const ModuleEntry& m : modules_)
    if (fs::weakly_canonical(m.file, ec) == want) out.push_back(&m);
  return out;
}

const ModuleEntry& PluginRegistry::find(hearth_category category, const std::string& name) const {
  for (const ModuleEntry* m : lookup(name))
    if (m->info.category == category) return *m;
  std::vector<std::string> names;
  for (const ModuleEntry& m : modules_)
    if (m.info.category == category && !m.shadowed) names.push_back(m.info.name);
  std::string message = std::string("no ") + category_name(category) + " named '" + name + "'";
  auto [pack, bare] = split_pack(name);
  if (auto best = closest_match(bare, names)) message += "; did you mean '" + *best + "'?";
  else if (!names.empty()) {
    message += "; available: ";
    for (size_t i = 0; i < names.size(); ++i) message += (i ? ", " : "") + names[i];
  }
  if (!problems_.empty())
    message += ". " + std::to_string(problems_.size()) +
               " plugin file(s) were rejected or blocked: see `hearth plugins --blocked`";
  throw UsageError(message);
}

}  // namespace hearth
