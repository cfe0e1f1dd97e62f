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
#include "engine/jobs/job_options.hpp"
#include "engine/params/param_values.hpp"

namespace hearth {

namespace fs = std::filesystem;

/// One module table of a job: which module, with which validated parameters.
/// One [[transforms]] table: its op and its validated keys.
struct TransformSpec {
  std::string op;
  std::string table;  ///< "transforms[2]"
  ParamValues params;
};

struct ModuleSpec {
  const ModuleEntry* entry = nullptr;
  ParamValues params;  ///< the plugin's own keys
  ParamValues host;    ///< host keys of that table (batch_size, weight, ...)
  std::string table;   ///< "model", "losses[0]"
  /// Keys whose value comes from an analyzer (`weights = "analyzer:multiclass"`): key -> analyzer name.
  std::map<std::string, std::string> from_analyzer;
  /// Keys whose value is a property of the dataset (`vocab_size = "dataset:classes"`): key ->
  /// property (engine/jobs/dataset_bindings.hpp).
  std::map<std::string, std::string> from_dataset;
};

/// A validated job: its tables as written (for saving it resolved) and, in `options`, every
/// setting typed. Commands read `options`; the ParamValues stay only to write the job back.
struct Job {
  fs::path file;
  /// What the module entries point into (set by load_job; outlives the job): the diagnostics
  /// draw with renderers the job does not name.
  const PluginRegistry* registry = nullptr;
  toml::table document;  ///< after --set overrides
  ParamValues job;       ///< [job]
  ParamValues train;     ///< [train]
  ParamValues distributed;  ///< [distributed]
  std::optional<ParamValues> export_step;  ///< [export], when the job has one
  ModuleSpec dataset;  ///< no entry when `program_data` and the job has no [dataset]
  /// An embedded session's job (hosts/embed): the program supplies the data, and [dataset] is
  /// optional.
  bool program_data = false;
  std::vector<ModuleSpec> analyzers;
  ModuleSpec model;
  std::vector<ModuleSpec> losses;
  std::vector<ModuleSpec> metrics;
  std::vector<ModuleSpec> renders;
  std::vector<ModuleSpec> diagnostics;
  std::vector<TransformSpec> transforms;  ///< [[transforms]], in order
  ModuleSpec optimizer;
  std::optional<ModuleSpec> scheduler;
  JobOptions options;  ///< resolved once by load_job

  const std::string& name() const { return options.general.name; }
  /// The job as TOML with every default filled in: saved with each run.
  std::string resolved_toml() const;
};

/// Unique names of modules of one kind, used for CSV columns and references: "mse", "mse_1".
std::vector<std::string> unique_names(const std::vector<ModuleSpec>& specs);

/// Reads, overrides (`section.key=value`) and validates a job, then resolves its options. Throws
/// UsageError listing every problem with file:line:column. File and folder parameters are
/// checked relative to `data_folder` (empty: the job file's folder; a run's job.toml passes the
/// folder of the job it was made from).
Job load_job(const fs::path& file, const std::vector<std::string>& sets, const PluginRegistry& registry,
             const fs::path& data_folder = {});

}  // namespace hearth
