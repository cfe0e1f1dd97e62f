// Hearth Studio: a web page served by the host, where a person sees datasets, models and runs
// together while training goes on. The server is torch-free: every plugin call happens in a
// child `hearth` process (check, graph, run, resume), so a crashing plugin ends that child and
// never the studio.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "engine/discovery/plugin_registry.hpp"

namespace hearth::studio {

/// `hearth studio`'s options, resolved and checked by the CLI.
struct StudioOptions {
  std::string bind = "127.0.0.1";
  int port = 0;                    ///< 0: a free port
  bool allow_remote = false;       ///< with a bind address other than loopback
  std::filesystem::path work_dir;  ///< where jobs are saved; nothing outside it is written
  std::filesystem::path runs_dir;  ///< the runs the dashboard lists and the files it serves
  std::filesystem::path job_file;  ///< opened into the forms (empty: a new job)
  std::filesystem::path hearth;    ///< the `hearth` executable the children run
  std::vector<std::string> child_flags;  ///< discovery flags handed to every child (--plugin-path ...)
  DiscoveryOptions discovery;
  std::string token;               ///< empty: a random one
  /// Called once the server listens, with the URL to open (token included).
  std::function<void(const std::string& url)> on_listening;
};

/// Serves until SIGINT or SIGTERM; then stops the runs it started (cleanly: they write `last`)
/// and returns 0. Throws UsageError when the address cannot be bound.
int run_studio(const StudioOptions& options);

}  // namespace hearth::studio
