// A job script, loaded and validated: every module table checked against its plugin's schema,
// every host table against the host's, before anything runs.
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/discovery/plugin_registry.hpp"
#include "engine/params/param_values.hpp"

namespace hearth {

namespace fs = std::filesystem;

/// One module table of a job: which module, with which validated parameters.
struct ModuleSpec {
  const ModuleEntry* entry = nullptr;
  ParamValues params;  ///< the plugin's own keys
  ParamValues host;    ///< host keys of that table (batch_size, weight, ...)
  std::string table;   ///< "model", "losses[0]"
  /// Keys whose value comes from an analyzer (`weights = "analyzer:multiclass"`): key -> analyzer name.
  std::map<std::string, std::string> from_analyzer;
};

struct Job {
  fs::path file;
  toml::table document;  ///< after --set overrides
  ParamValues job;       ///< [job]
  ParamValues train;     ///< [train]
  ModuleSpec dataset;
  std::vector<ModuleSpec> analyzers;
  ModuleSpec model;
  std::vector<ModuleSpec> losses;
  std::vector<ModuleSpec> metrics;
  std::vector<ModuleSpec> renders;
  ModuleSpec optimizer;
  std::optional<ModuleSpec> scheduler;

  std::string name() const;
  /// The job as TOML with every default filled in: saved with each run.
  std::string resolved_toml() const;
};

/// Unique names of modules of one kind, used for CSV columns and references: "mse", "mse_1".
std::vector<std::string> unique_names(const std::vector<ModuleSpec>& specs);

/// Reads, overrides (`section.key=value`) and validates a job. Throws UsageError listing every
/// problem with file:line:column.
Job load_job(const fs::path& file, const std::vector<std::string>& sets, const PluginRegistry& registry);

/// Typed reads of validated values (the schema guarantees presence and type).
int64_t int_of(const ParamValues& v, const std::string& key);
double float_of(const ParamValues& v, const std::string& key);
bool bool_of(const ParamValues& v, const std::string& key);
std::string string_of(const ParamValues& v, const std::string& key);

}  // namespace hearth
