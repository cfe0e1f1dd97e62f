// A run that a plugin takes down says who did it. While a CrashHandler lives, a fatal signal
// (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) or a call to exit() writes a crash record into the
// run folder: what happened, the plugin entry point that was running (plugin_call.hpp), and where
// training was. The signal handler only copies prepared bytes with write(2), so it is
// async-signal-safe; then the process dies as it would have without it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace hearth {

/// Where training is: called by the training loop for every batch (three atomic stores).
/// `epoch` and `batch` count from 1; `step` is the optimizer steps taken.
void note_training_position(int64_t epoch, int64_t batch, int64_t step) noexcept;
/// The epoch the last checkpoint holds (epochs completed).
void note_checkpoint_epoch(int64_t epoch) noexcept;

class CrashHandler {
 public:
  /// Records into `record_file` (RUN/crash.json, or crash.rank-K.json for rank K); the line
  /// printed on stderr ends with `resume_command`, the command that continues the run.
  CrashHandler(const std::filesystem::path& record_file, const std::string& resume_command);
  /// From here on the process ends normally: exit() is no longer a crash.
  ~CrashHandler();
  CrashHandler(const CrashHandler&) = delete;
  CrashHandler& operator=(const CrashHandler&) = delete;
};

}  // namespace hearth
