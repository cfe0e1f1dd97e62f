// Where plugin libraries are looked for, in the order that decides name clashes.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hearth {

namespace fs = std::filesystem;

/// One folder searched, and why it is searched (shown in listings and clash warnings).
struct SearchRoot {
  fs::path path;
  std::string origin;  ///< "--plugin-path", "HEARTH_PLUGIN_PATH", "job folder", "user folder", "built-in"
};

struct RootOptions {
  std::vector<fs::path> plugin_paths;  ///< --plugin-path options, in order
  std::optional<fs::path> job_folder;  ///< folder of the job script: its ./plugins is searched
  fs::path builtin_folder;             ///< installed built-ins (<prefix>/lib/hearth/plugins)
  bool use_environment = true;         ///< read $HEARTH_PLUGIN_PATH and the user folder
};

/// A library file found under a root. `pack_folder` is set when it lies in a folder with pack.toml.
struct CandidateFile {
  fs::path path;
  size_t root_index = 0;
  std::optional<fs::path> pack_folder;
};

/// Roots in priority order: --plugin-path, $HEARTH_PLUGIN_PATH, <job>/plugins,
/// $XDG_DATA_HOME/hearth/plugins, built-ins. Missing folders are kept (listed as absent).
std::vector<SearchRoot> search_roots(const RootOptions& options);

/// $XDG_DATA_HOME/hearth/plugins (or ~/.local/share/hearth/plugins).
fs::path user_plugin_folder();

/// Library files under the roots: the root itself, its category folders, and pack folders (any
/// sub-folder with a pack.toml, searched recursively). Sorted within a root for a stable order.
std::vector<CandidateFile> list_candidates(const std::vector<SearchRoot>& roots);

}  // namespace hearth
