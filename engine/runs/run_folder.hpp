// A run's folder: runs/<job name>/<timestamp>/ with the resolved job, run.json (run_record.hpp),
// metrics.csv (metrics_table.hpp), batches.csv (batch_log.hpp), TensorBoard events, the log and
// checkpoints/{last,best}.pt.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "engine/core/checkpoint_name.hpp"
#include "engine/runs/run_record.hpp"

namespace hearth {

namespace fs = std::filesystem;

class RunFolder {
 public:
  /// Makes a new, uniquely named run folder under runs_root/job_name: `prepare` fills it (the
  /// job, run.json) while it is hidden, and only then does it appear under its name. Throws
  /// Error naming the folder when it cannot.
  static RunFolder create(const fs::path& runs_root, const std::string& job_name,
                          const std::function<void(RunFolder&)>& prepare);
  /// Makes the run folder `folder` itself (a sweep's trial), prepared hidden beside it like
  /// create's; throws UsageError when it exists already (another process made it).
  static RunFolder create_exact(const fs::path& folder, const std::function<void(RunFolder&)>& prepare);
  /// Opens an existing run (for resume, eval, export); throws UsageError when it is not one, Error
  /// naming run.json when that is damaged.
  static RunFolder open(const fs::path& dir);

  const fs::path& path() const { return path_; }
  fs::path checkpoint(CheckpointName which) const;
  /// checkpoint(which), which must exist: else UsageError "run RUN has no 'best' checkpoint
  /// <purpose> (no epoch finished yet); train it on with `hearth resume RUN`...".
  fs::path existing_checkpoint(CheckpointName which, const std::string& purpose) const;
  /// run.json as this process last wrote or read it.
  RunRecord& record() { return record_; }
  const RunRecord& record() const { return record_; }
  /// Rewrites run.json atomically from record().
  void save_record() const;

 private:
  static RunFolder make(const fs::path& base, const std::string& name, bool numbered,
                        const std::function<void(RunFolder&)>& prepare);
  fs::path path_;
  RunRecord record_;
};

/// Marks `run` failed with `error` in run.json; a failure to write that is a warning (the error
/// being reported matters more).
void record_failure(RunFolder& run, const std::string& error);

}  // namespace hearth
