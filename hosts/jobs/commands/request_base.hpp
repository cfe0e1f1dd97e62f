// What every request to libhearth_jobs.so carries: where to find plugins and how the user asked.
// Requests cross the library boundary as JSON; each command's header defines its own request
// struct, with its defaults, once for both sides (`hearth` fills it, the library reads it).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace hearth::jobs {

struct RequestBase {
  std::string command;                    ///< the command's name, e.g. "eval"
  std::vector<std::string> plugin_paths;  ///< absolute --plugin-path folders
  std::string builtin_folder;             ///< Hearth's own plugins
  bool no_builtins = false;
  bool rescan = false;
  std::string command_line;               ///< as typed, for run.json and the log
  std::string device;                     ///< --device of a command on a run: overrides [job] device
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RequestBase, command, plugin_paths, builtin_folder, no_builtins, rescan,
                                                command_line, device)

}  // namespace hearth::jobs
