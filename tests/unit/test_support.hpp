// Helpers shared by the tests: temporary folders, running commands, locating build outputs.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "engine/discovery/plugin_registry.hpp"

namespace hearth::test {

namespace fs = std::filesystem;

/// A fresh folder under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

/// Result of a command run through the shell.
struct CommandResult {
  int exit_code = -1;
  std::string output;  ///< stdout and stderr together
};

/// Runs `command` with `sh -c`, capturing output; stdin is /dev/null.
CommandResult run_command(const std::string& command);

/// `hearth <args>` with an isolated cache and user folder, no colour.
CommandResult run_hearth(const std::string& args, const fs::path& cache_dir);

/// run_hearth with variables set for it: `environment` is "NAME='value' ...", as env(1) takes them.
CommandResult run_hearth_with(const std::string& environment, const std::string& args, const fs::path& cache_dir);

/// A `hearth` that start_hearth left running: the files it writes.
struct BackgroundHearth {
  fs::path out;   ///< its stdout and stderr
  fs::path code;  ///< its exit code and a newline, written when it has ended
  fs::path pid;   ///< its own pid (not a shell's), for signals
  bool ended() const;
  /// Waits up to `seconds` for it to end; whether it did.
  bool wait(int seconds = 20) const;
  int exit_code() const;  ///< once ended()
};

/// `hearth <args>` isolated as run_hearth does, started in the background; returns at once. Its
/// files go to `folder`; it runs in `cwd` when one is given.
BackgroundHearth start_hearth(const std::string& args, const fs::path& cache_dir, const fs::path& folder,
                              const fs::path& cwd = {});

/// Folder of one of the test plugins (tests/plugins/<name>).
fs::path test_plugin_dir(const std::string& name);
/// The built-in plugins of the build tree.
fs::path builtin_plugin_dir();

/// Discovery options that see only `paths` (plus built-ins when asked), with a private cache and
/// a short hang timeout.
DiscoveryOptions isolated_discovery(const fs::path& cache_dir, std::vector<fs::path> paths, bool builtins = true);

/// Path of the built-in library offering category/name.
fs::path builtin_library(const std::string& folder, const std::string& name);

/// Number of library files in the built-in pack.
size_t builtin_library_count();

/// Every module the built-in pack must offer, as (category, name).
const std::vector<std::pair<std::string, std::string>>& builtin_modules();

/// Reads a whole file.
std::string read_text(const fs::path& path);

/// The one run folder under `runs` (runs/<job>/<timestamp>); fails the test unless exactly one.
fs::path single_run(const fs::path& runs);

/// The one run folder under `runs` once its metrics.csv holds `epochs` rows, waiting up to
/// `seconds` while `h` still runs; fails the test when no run folder appeared.
fs::path wait_for_epochs(const fs::path& runs, size_t epochs, const BackgroundHearth& h, int seconds = 60);

/// The last row of a metrics.csv, by column (empty cells left out).
std::map<std::string, double> last_metrics_row(const fs::path& csv);

}  // namespace hearth::test
