// One process works on a run at a time: an exclusive flock on RUN/run.lock, held while a run
// trains or resumes and released by the kernel when the process ends, however it ends.
#pragma once

#include <filesystem>
#include <optional>

#include "engine/core/process_identity.hpp"

namespace hearth {

class RunLock {
 public:
  /// Takes the run's lock and writes this process into it. Throws UsageError naming the holder
  /// ("... is being trained by pid 4242 on host gpu7 since ...") when another process has it.
  static RunLock acquire(const std::filesystem::path& run);
  RunLock(RunLock&& other) noexcept;
  RunLock& operator=(RunLock&&) = delete;
  ~RunLock();

 private:
  explicit RunLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

/// The process holding the run's lock, or nullopt when none does.
std::optional<ProcessIdentity> run_lock_holder(const std::filesystem::path& run);

}  // namespace hearth
