// Which trial an array task runs: `--trial N`, or `--trial auto` from the index its scheduler
// gives it: Slurm job arrays (SLURM_ARRAY_TASK_ID), Kubernetes indexed Jobs
// (JOB_COMPLETION_INDEX), GNU parallel (PARALLEL_SEQ, which counts from 1).
#pragma once

#include <cstdint>
#include <string>

namespace hearth {

struct TrialChoice {
  int64_t trial = 0;
  std::string source;  ///< "--trial", or the variable it came from
};

/// `text` is "auto" or a trial number. Throws UsageError when auto finds no variable, or a
/// number or variable holds something else than a whole number >= 0.
TrialChoice choose_trial(const std::string& text);

}  // namespace hearth
