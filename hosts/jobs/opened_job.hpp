// A job or a run opened for a command: plugins discovered as the job sees them, the job loaded
// and validated, its folder made current (paths inside a job are relative to it).
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "hosts/jobs/commands/request_base.hpp"
#include "engine/discovery/plugin_registry.hpp"
#include "engine/runs/checkpoint.hpp"
#include "engine/jobs/job.hpp"
#include "engine/runs/run_folder.hpp"
#include "engine/jobs/session.hpp"

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

/// The run's checkpoint `which`; `best` is repaired first when a kill left it behind `last`.
CheckpointState load_run_checkpoint(const RunFolder& run, CheckpointName which);

/// A run's job opened as a session whose model holds the checkpoint `which` ("best" or "last"),
/// in eval mode: what eval, infer and render --run work with (`with_data` false: the model alone,
/// as render takes its data from its own job). Neither copied nor moved: the session refers to
/// the job it holds.
class TrainedRun {
 public:
  TrainedRun(const RequestBase& base, const std::string& run_folder, CheckpointName which, bool with_data = true);
  TrainedRun(const TrainedRun&) = delete;
  TrainedRun& operator=(const TrainedRun&) = delete;

  RunFolder& run() { return opened_.run; }
  const CheckpointState& state() const { return state_; }
  Session& session() { return *session_; }

 private:
  OpenedRun opened_;
  CheckpointState state_;
  std::unique_ptr<Session> session_;
};

/// Each module of the job with its table, plugin file and the file's SHA-256 (run.json "plugins").
std::vector<PluginRecord> plugin_list(const Job& job);

/// Where a sweep's trial trains: its own run folder in the sweep folder, and what run.json
/// records of the sweep (the trainer's median rule reads the sweep from there).
struct TrialPlacement {
  fs::path folder;
  fs::path sweep_dir;
  int64_t trial = 0;
};

/// A new run folder for `opened` under `runs_dir` (empty: [job] runs, next to the job file), or
/// for a trial at its place: the resolved job, the source job, and run.json.
RunFolder create_run(const OpenedJob& opened, const RequestBase& base, const std::string& runs_dir,
                     const TrialPlacement* trial = nullptr);

}  // namespace hearth::jobs
