// Turns a module table of a TOML file into validated ParamValues: unknown keys (with "did you
// mean"), wrong types, out-of-range values, choices and missing required keys, each error naming
// file, line and column. Defaults fill what the table leaves out.
#pragma once

#include <set>
#include <string>
#include <utility>

#include "engine/core/error.hpp"
#include "engine/core/plugin_info.hpp"
#include "engine/params/param_values.hpp"

#include <toml++/toml.h>


namespace hearth {

/// Where a table came from, for error messages.
struct ParamSource {
  /// A constructor rather than an aggregate: fields appended later need no edit at every caller
  /// (and GCC 14 warns of aggregates initialised without them).
  ParamSource(std::string file_name, std::string table, std::set<std::string> reserved_keys = {},
              std::string data_folder_path = {})
      : file(std::move(file_name)), table_name(std::move(table)), reserved(std::move(reserved_keys)),
        data_folder(std::move(data_folder_path)) {}

  std::string file;             ///< "job.toml", or "<defaults>"
  std::string table_name;       ///< "model", "losses[0]"
  std::set<std::string> reserved;  ///< keys the job itself uses beside the parameters ("plugin")
  /// Where relative file and folder parameters point from (the job file's folder); empty: the
  /// files are not checked (defaults, tables that are not a job's).
  std::string data_folder;
  /// A table of the job itself ([train], [job]): errors name the table, not a module.
  bool host_table = false;
  /// Keys whose value comes later (`"dataset:classes"`): not checked here, and not missing.
  std::set<std::string> bound;
};

/// Validates `table` (may be null: defaults only) against `module`. Throws UsageError listing
/// every problem, one per line.
ParamValues resolve_params(const ModuleInfo& module, const toml::table* table, const ParamSource& source);

/// Defaults only; throws when the module has required parameters.
ParamValues default_params(const ModuleInfo& module);

}  // namespace hearth
