// `hearth sweep` on one machine: every unfinished trial of a sweep folder as a child process
// (`hearth run --trial N DIR`), at most `parallel` at once, the machine's CPUs shared among them.
// A crashing trial ends that trial only. Ctrl-C (or SIGTERM, SIGHUP) stops launching and passes
// the signal on: each trial writes its `last` and stops; `hearth sweep resume DIR` goes on.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/sweeps/sweep_index.hpp"

namespace hearth {

struct LocalSweepOptions {
  int parallel = 1;
  std::filesystem::path hearth = "/proc/self/exe";  ///< the program each trial runs
  std::vector<std::string> extra_args;              ///< after `run --trial N DIR`: plugin folders and the like
  bool bind = true;  ///< each running trial on its own share of the CPUs
};

/// Runs the trials that are not finished (pending, failed, interrupted, crashed, died); a trial
/// another process is running is left to it. Prints a line as each trial starts and ends; each
/// trial's console goes to DIR/logs/trial-N.log. Returns 0 when every trial finished, 1 when one
/// did not, 128 + the signal when interrupted.
int run_local_sweep(const SweepIndex& index, const LocalSweepOptions& options);

}  // namespace hearth
