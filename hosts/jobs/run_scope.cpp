#include "hosts/jobs/run_scope.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <iostream>

#include "engine/training/interrupt.hpp"

namespace hearth::jobs {

namespace {

/// The signal that asked the run to stop (0: none); the exit code is 128 + it, as a shell's.
std::atomic<int> g_stop_signal{0};

}  // namespace

InterruptScope::InterruptScope() {
  interrupt_requested() = false;
  g_stop_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = [](int signal) {
    // A second Ctrl-C is a person who will not wait; a repeated SIGTERM or SIGHUP is a launcher
    // passing the signal on to every process (hearth --nproc, srun), and changes nothing.
    if (interrupt_requested().exchange(true)) {
      if (signal == SIGINT) ::_exit(128 + signal);
      return;
    }
    g_stop_signal = signal;
  };
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &sa, &previous_[i]);
}

InterruptScope::~InterruptScope() {
  for (size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &previous_[i], nullptr);
}

int report_outcome(TrainOutcome outcome, const RunFolder& run, bool speaks) {
  switch (outcome) {
    case TrainOutcome::interrupted: {
      const int signal = g_stop_signal.load() != 0 ? g_stop_signal.load() : SIGINT;
      if (!speaks) return 128 + signal;
      std::cerr << "interrupted (SIG" << sigabbrev_np(signal) << "): `last` holds the progress; continue with `hearth resume "
                << run.path().string() << "`\n";
      return 128 + signal;
    }
    case TrainOutcome::pruned:
      if (speaks) std::cout << "trial pruned by its sweep's median rule: " << run.path().string() << "\n";
      return 0;
    case TrainOutcome::stopped_early:
    case TrainOutcome::completed:
      if (!speaks) return 0;
      std::cout << "run finished: " << run.path().string() << "\n";
      return 0;
  }
  return 0;
}

}  // namespace hearth::jobs
