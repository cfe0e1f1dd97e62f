// What the process training a run holds for as long as it trains: rank 0 takes the run's lock
// and writes its identity into run.json (so that a process that vanishes is reported "died");
// every rank installs the crash handler, recording into its own crash file.
#pragma once

#include <optional>

#include "engine/runs/run_lock.hpp"
#include "engine/distributed/world.hpp"
#include "engine/jobs/crash_handler.hpp"
#include "engine/runs/run_folder.hpp"

namespace hearth::jobs {

class RunOwnership {
 public:
  /// Throws UsageError naming the holder when another process has the run (rank 0 only asks).
  RunOwnership(RunFolder& run, const World& world);

 private:
  std::optional<RunLock> lock_;
  std::optional<CrashHandler> crashes_;
};

}  // namespace hearth::jobs
