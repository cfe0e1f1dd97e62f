// What every `hearth` command shares: install layout and the options that steer discovery.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "engine/discovery/plugin_registry.hpp"

namespace hearth::cli {

namespace fs = std::filesystem;

/// Folders of this installation (or build tree: both share the layout).
struct InstallLayout {
  fs::path prefix;          ///< <prefix> where bin/hearth lives
  fs::path builtin_plugins; ///< <prefix>/lib/hearth/plugins
  fs::path share;           ///< <prefix>/share/hearth
};

InstallLayout install_layout();

/// Makes every repeatable option of APP and its subcommands take one value per occurrence
/// (`--plugin-path A --plugin-path B`; commas where the option splits them), so that a repeatable
/// option before a positional argument can never swallow it. Call once, after every command is
/// added.
void one_value_per_occurrence(CLI::App& app);

/// Options that pick which plugins are seen; added to the commands that discover.
struct DiscoveryFlags {
  std::vector<std::string> plugin_paths;
  bool no_builtins = false;
  bool rescan = false;

  void add_to(CLI::App& command);
  DiscoveryOptions options() const;
};

}  // namespace hearth::cli
