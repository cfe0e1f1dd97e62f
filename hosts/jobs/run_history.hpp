// A run's honest history across resumes: each resume is recorded in run.json (when, the command
// line, what state the run was found in, which checkpoint it continued from, the plugins' files
// and hashes), crash records are folded into that entry, and a plugin rebuilt since the run
// started is warned about.
#pragma once

#include <string>

#include "engine/runs/run_condition.hpp"
#include "engine/runs/checkpoint.hpp"
#include "engine/jobs/job.hpp"
#include "engine/runs/run_folder.hpp"

namespace hearth::jobs {

/// Appends the resume to run.json's "resumes" and removes the crash record files it took in.
/// `found` is the run's condition before this process claimed it; `world_size` the number of
/// processes it resumes on (it may differ from the one it started with).
void record_resume(RunFolder& run, const Job& job, const std::string& command_line, const RunCondition& found,
                   const std::string& checkpoint, int world_size);

/// Warns, for each module of `now` whose plugin file differs from the one `before` names (by
/// table and module), with both files' hashes and `consequence`.
void warn_changed_plugins(const std::vector<PluginRecord>& before, const std::vector<PluginRecord>& now, const char* consequence);

/// The plugins the run was last trained with: its latest resume's, else its start's.
const std::vector<PluginRecord>& trained_plugins(const RunRecord& record);

/// When `last` (loaded: `last_state`) says it is the best state and `best` disagrees (a kill
/// between the two writes), copies `last` over `best` and sets run.json's best from it.
void repair_best_checkpoint(RunFolder& run, const CheckpointState& last_state);

/// The checkpoint `which` ("last" or "best") to resume from. When it cannot be used, the error
/// says whether the other one is intact and how to resume from it.
CheckpointState load_resume_checkpoint(const RunFolder& run, CheckpointName which);

}  // namespace hearth::jobs
