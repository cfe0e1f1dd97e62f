#include "engine/discovery/scan_cache.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sys/stat.h>

#include "engine/core/host_facts.hpp"
#include "engine/discovery/scan_json.hpp"

namespace hearth {
namespace {

constexpr int kFormat = 1;

nlohmann::json host_key() {
  const HostFacts& h = host_facts();
  return {{"format", kFormat},
          {"abi", {h.abi_major, h.abi_minor}},
          {"torch", h.torch_version},
          {"cxx11_abi", h.cxx11_abi},
          {"hearth", h.hearth_version}};
}

}  // namespace

std::optional<FileStamp> stamp_of(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileStamp{static_cast<uintmax_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

fs::path ScanCache::default_folder() {
  if (const char* dir = std::getenv("HEARTH_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "hearth";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "hearth";
  return fs::temp_directory_path() / "hearth-cache";
}

ScanCache::ScanCache(fs::path folder) : folder_(std::move(folder)) {
  std::ifstream in(file());
  if (!in) return;
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    if (j.at("host") != host_key()) {
      spdlog::debug("plugin scan cache {} was written by another host build; rescanning", file().string());
      dirty_ = true;
      return;
    }
    for (const auto& e : j.at("entries")) {
      Entry entry{{e.at("size").get<uintmax_t>(), e.at("mtime_ns").get<int64_t>()}, scan_result_from_json(e)};
      entries_[entry.result.path] = std::move(entry);
    }
  } catch (const std::exception& e) {
    spdlog::warn("ignoring unreadable plugin scan cache {}: {}", file().string(), e.what());
    entries_.clear();
    dirty_ = true;
  }
}

std::optional<ScanResult> ScanCache::find(const std::string& path, const FileStamp& stamp) const {
  auto it = entries_.find(path);
  if (it == entries_.end() || !(it->second.stamp == stamp)) return std::nullopt;
  return it->second.result;
}

void ScanCache::store(const ScanResult& result, const FileStamp& stamp) {
  entries_[result.path] = Entry{stamp, result};
  dirty_ = true;
}

void ScanCache::prune() {
  for (auto it = entries_.begin(); it != entries_.end();) {
    std::error_code ec;
    if (!fs::exists(it->first, ec)) {
      it = entries_.erase(it);
      dirty_ = true;
    } else {
      ++it;
    }
  }
}

void ScanCache::save() const {
  if (!dirty_) return;
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& [path, e] : entries_) {
    nlohmann::json j = scan_result_to_json(e.result);
    j["size"] = e.stamp.size;
    j["mtime_ns"] = e.stamp.mtime_ns;
    entries.push_back(std::move(j));
  }
  nlohmann::json doc = {{"host", host_key()}, {"entries", entries}};
  std::error_code ec;
  fs::create_directories(folder_, ec);
  // Serialised before any file exists, so that a failure leaves no temporary behind.
  std::string text;
  try {
    text = doc.dump(1) + '\n';
  } catch (const std::exception& e) {
    spdlog::warn("could not write the plugin scan cache {}: {}; the next start will scan again", file().string(), e.what());
    return;
  }
  fs::path tmp = folder_ / ("plugin-scan.json.tmp." + std::to_string(::getpid()));
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      spdlog::warn("could not write the plugin scan cache {}; the next start will scan again", file().string());
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, file(), ec);
  if (ec) {
    spdlog::warn("could not replace the plugin scan cache {}: {}", file().string(), ec.message());
    fs::remove(tmp, ec);
  }
}

}  // namespace hearth
