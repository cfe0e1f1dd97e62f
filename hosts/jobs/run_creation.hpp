// A new run folder for a job (or a sweep trial), made whole before it appears: the resolved job,
// the source job, and its first run.json with the plugins' files and their SHA-256.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/runs/run_folder.hpp"
#include "hosts/jobs/opened_job.hpp"

namespace hearth::jobs {

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
