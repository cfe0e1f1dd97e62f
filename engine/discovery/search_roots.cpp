#include "engine/discovery/search_roots.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>

#include "engine/core/category.hpp"

namespace hearth {
namespace {

bool looks_like_library(const fs::path& p) {
  std::string name = p.filename().string();
  return name.size() > 3 && (name.rfind(".so") == name.size() - 3 || name.find(".so.") != std::string::npos);
}

bool is_regular(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

std::vector<fs::path> sorted_entries(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) out.push_back(it->path());
  std::sort(out.begin(), out.end());
  return out;
}

void add_pack(const fs::path& pack, size_t root, std::vector<CandidateFile>& out) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(pack, ec), end; !ec && it != end; it.increment(ec))
    if (looks_like_library(it->path()) && is_regular(it->path())) files.push_back(it->path());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) out.push_back({f, root, pack});
}

}  // namespace

fs::path user_plugin_folder() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return fs::path(xdg) / "hearth" / "plugins";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".local" / "share" / "hearth" / "plugins";
  return {};
}

std::vector<SearchRoot> search_roots(const RootOptions& options) {
  std::vector<SearchRoot> roots;
  for (const fs::path& p : options.plugin_paths) roots.push_back({p, "--plugin-path"});
  if (options.use_environment) {
    if (const char* env = std::getenv("HEARTH_PLUGIN_PATH"); env && *env) {
      std::stringstream ss(env);
      for (std::string item; std::getline(ss, item, ':');)
        if (!item.empty()) roots.push_back({item, "HEARTH_PLUGIN_PATH"});
    }
  }
  if (options.job_folder) roots.push_back({*options.job_folder / "plugins", "job folder"});
  if (options.use_environment) {
    fs::path user = user_plugin_folder();
    if (!user.empty()) roots.push_back({user, "user folder"});
  }
  if (!options.builtin_folder.empty()) roots.push_back({options.builtin_folder, "built-in"});
  // The same folder named twice is searched once, at its first place.
  std::vector<SearchRoot> unique;
  std::set<fs::path> seen;
  for (SearchRoot& r : roots) {
    std::error_code ec;
    fs::path key = fs::weakly_canonical(r.path, ec);
    if (seen.insert(ec ? r.path : key).second) unique.push_back(std::move(r));
  }
  return unique;
}

std::vector<CandidateFile> list_candidates(const std::vector<SearchRoot>& roots) {
  std::vector<CandidateFile> out;
  for (size_t i = 0; i < roots.size(); ++i) {
    for (const fs::path& entry : sorted_entries(roots[i].path)) {
      std::error_code ec;
      // Hidden folders are work in progress (an install's `.NAME.install-PID`, an upgrade's
      // `.NAME.old-PID`): never loaded, whatever they hold.
      const std::string name = entry.filename().string();
      if (!name.empty() && name[0] == '.') continue;
      if (fs::is_directory(entry, ec)) {
        if (fs::exists(entry / "pack.toml", ec)) {
          add_pack(entry, i, out);
        } else if (parse_category(entry.filename().string())) {
          for (const fs::path& f : sorted_entries(entry))
            if (looks_like_library(f) && is_regular(f)) out.push_back({f, i, std::nullopt});
        }
      } else if (looks_like_library(entry) && is_regular(entry)) {
        out.push_back({entry, i, std::nullopt});
      }
    }
  }
  return out;
}

}  // namespace hearth
