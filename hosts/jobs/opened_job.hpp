// A job or a run opened for a command: plugins discovered as the job sees them, the job loaded
// and validated, its folder made current (paths inside a job are relative to it).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "hosts/jobs/commands/request_base.hpp"
#include "engine/discovery/plugin_registry.hpp"
#include "engine/jobs/job.hpp"
#include "engine/runs/run_folder.hpp"

namespace hearth::jobs {

namespace fs = std::filesystem;

/// A job file loaded for a command, with the registry its module entries point into.
struct OpenedJob {
  fs::path file;
  std::vector<std::string> plugin_paths;  ///< absolute: --plugin-path, then $HEARTH_PLUGIN_PATH
  std::unique_ptr<PluginRegistry> registry;
  Job job;
};

/// Discovers plugins as seen from the job's folder, loads and validates the job (with `sets`),
/// and makes the job's folder current.
OpenedJob open_job(const RequestBase& base, const std::string& job_file, const std::vector<std::string>& sets);

/// A run, its job as it was resolved, and the registry the job's entries point into.
struct OpenedRun {
  std::unique_ptr<PluginRegistry> registry;
  RunFolder run;
  Job job;
};

/// Opens a run folder and its job, finding plugins where the run found them (unless the request
/// names plugin folders), and makes the job's folder current. The request's --device, if any,
/// replaces the job's [job] device.
OpenedRun open_run(const RequestBase& base, const std::string& run_folder);

}  // namespace hearth::jobs
