// What state a run is really in. run.json says what the training process last wrote; a process
// that crashed or vanished could not update it. A crash record beside it (crash_handler.hpp)
// makes the run "crashed", and a recorded process that no longer exists makes it "died".
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/runs/run_record.hpp"

namespace hearth {

struct RunCondition {
  std::string status;  ///< run.json's status, or "crashed" / "died"
  std::string detail;  ///< for crashed and died: who and where; for a run on another host: which
};

/// `record` is the run's run.json, already read.
RunCondition assess_run(const std::filesystem::path& run, const RunRecord& record);

/// The crash records in the run folder (crash.json for rank 0, crash.rank-K.json), rank 0 first.
std::vector<std::filesystem::path> crash_record_files(const std::filesystem::path& run);

/// One line for a crash record: "SIGSEGV in model 'lenet5' (FILE), in forward, epoch 2 batch 50
/// (step 149); last checkpoint epoch 1". Throws Error naming the file when it cannot be read.
std::string crash_record_text(const std::filesystem::path& file);

}  // namespace hearth
