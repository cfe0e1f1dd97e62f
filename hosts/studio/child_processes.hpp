// The `hearth` processes the studio starts: trainings and resumes that it follows while they
// run, and short commands (check, graph) whose output it waits for. Each child gets its own
// process group and the default signal dispositions, so that Stop (SIGTERM) reaches it and a
// crash in it ends it alone.
#pragma once

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hearth::studio {

/// What a finished short command said.
struct CommandOutput {
  int exit_code = -1;     ///< the exit status, 128 + signal when killed, -1 when it could not start
  std::string output;     ///< stdout and stderr together, at most the last 256 kB
  bool timed_out = false;
};

/// Runs `program args...` in `cwd`, waits at most `limit`, and kills it (its process group)
/// after that.
CommandOutput run_command(const std::filesystem::path& program, const std::vector<std::string>& args,
                          const std::filesystem::path& cwd, std::chrono::milliseconds limit);

class ChildProcesses {
 public:
  explicit ChildProcesses(std::filesystem::path program) : program_(std::move(program)) {}
  ChildProcesses(const ChildProcesses&) = delete;
  ChildProcesses& operator=(const ChildProcesses&) = delete;
  /// Stops what still runs (stop_all) and waits for every child.
  ~ChildProcesses();

  /// Starts `program args...` in `cwd` and follows it; returns its pid. Throws Error when it
  /// cannot start.
  pid_t start(const std::string& kind, const std::vector<std::string>& args, const std::filesystem::path& cwd);
  /// Every child started, newest first: {"pid", "kind", "args", "running", "exit_code", "output"}.
  nlohmann::json list() const;
  /// Whether `pid` is a child of the studio that still runs.
  bool running(pid_t pid) const;
  /// SIGTERM to every running child, then waits up to `grace` for them (they write `last`),
  /// then SIGKILL.
  void stop_all(std::chrono::milliseconds grace);

 private:
  struct Child {
    pid_t pid = -1;
    std::string kind;
    std::vector<std::string> args;
    bool running = true;
    int exit_code = -1;
    std::string output;
    std::thread follower;
  };
  void follow(Child& child, int fd);

  std::filesystem::path program_;
  mutable std::mutex mutex_;
  std::list<Child> children_;
};

}  // namespace hearth::studio
