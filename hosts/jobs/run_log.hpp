// A run's hearth.log: what the engine logs while a command (or a program's embedded session)
// works on the run, mirrored into the run folder beside the console.
#pragma once

#include <spdlog/common.h>

#include <exception>
#include <filesystem>
#include <string>

namespace hearth::jobs {

/// Mirrors the log into the run's hearth.log for as long as it lives.
class RunLog {
 public:
  /// Appends to `file`: a resumed run's log keeps what came before.
  explicit RunLog(const std::filesystem::path& file);
  ~RunLog();
  /// Writes an error into the log file only (the host prints it on the console, once).
  void record_error(const std::string& message);
  /// Runs `body`, writing any error it throws into the log before passing it on.
  template <class F>
  int recording_errors(F&& body) {
    try {
      return body();
    } catch (const std::exception& e) {
      record_error(e.what());
      throw;
    }
  }
  RunLog(const RunLog&) = delete;
  RunLog& operator=(const RunLog&) = delete;

 private:
  spdlog::sink_ptr sink_;
};

}  // namespace hearth::jobs
