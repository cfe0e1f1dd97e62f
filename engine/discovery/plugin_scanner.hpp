// Host side of the scanner child process (the GStreamer way): libraries are first opened in
// `hearth-plugin-scanner`, so one that crashes or hangs at load takes down only that child.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "engine/discovery/scan_result.hpp"

namespace hearth {

namespace fs = std::filesystem;

/// $HEARTH_SCANNER, else <folder of this executable>/../libexec/hearth/hearth-plugin-scanner.
fs::path default_scanner_path();

/// Timeout for one library: $HEARTH_SCAN_TIMEOUT_MS, else 10 s.
std::chrono::milliseconds default_scan_timeout();

class PluginScanner {
 public:
  struct Options {
    fs::path scanner = default_scanner_path();
    std::chrono::milliseconds library_timeout = default_scan_timeout();
    /// The child loads LibTorch before it is ready; that is not the library's time.
    std::chrono::milliseconds start_timeout{120000};
  };

  explicit PluginScanner(Options options);
  ~PluginScanner();
  PluginScanner(const PluginScanner&) = delete;
  PluginScanner& operator=(const PluginScanner&) = delete;

  /// Scans one file. A crash or hang yields ScanStatus::blocked and a fresh child for the next
  /// file. Throws Error only when the scanner itself cannot be started.
  ScanResult scan(const std::string& path);

 private:
  enum class ReadOutcome { message, closed, timed_out };
  void start();
  void stop();
  /// The next framed message; throws Error for a frame longer than the protocol allows.
  ReadOutcome read_message(std::chrono::steady_clock::time_point deadline, std::string& message);
  std::string describe_exit();

  Options options_;
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string buffer_;
};

}  // namespace hearth
