// What surrounds a training command: the run's log file (run_log.hpp), the interrupt signal
// handler, and the last words to the user.
#pragma once

#include <signal.h>

#include <array>
#include <filesystem>
#include <string>

#include "engine/runs/run_folder.hpp"
#include "engine/training/trainer.hpp"
#include "hosts/jobs/run_log.hpp"

namespace hearth::jobs {

/// SIGINT, SIGTERM (Slurm, systemd, kill) and SIGHUP (a closed terminal) ask the trainer to stop
/// after the batch, write `last` and mark the run interrupted; a second SIGINT ends the process.
class InterruptScope {
 public:
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  static constexpr std::array<int, 3> kSignals = {SIGINT, SIGTERM, SIGHUP};
  std::array<struct sigaction, 3> previous_{};
};

/// Prints how the run ended (only rank 0 of a group tells the user) and returns the exit code
/// (128 + the signal when one interrupted it: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP).
int report_outcome(TrainOutcome outcome, const RunFolder& run, bool speaks = true);

}  // namespace hearth::jobs
