// The outcome of scanning one library file.
#pragma once

#include <cstdint>
#include <string>

#include "engine/core/plugin_info.hpp"

namespace hearth {

enum class ScanStatus {
  ok,        ///< passed: its modules may be loaded in-process
  rejected,  ///< loaded but refused (versions, struct sizes), or not a Hearth library at all
  blocked,   ///< crashed or hung the scanner; skipped until the file changes
};

const char* scan_status_name(ScanStatus status);

struct ScanResult {
  std::string path;
  ScanStatus status = ScanStatus::rejected;
  std::string reason;  ///< why rejected or blocked
  LibraryInfo library; ///< filled when ok
  /// Blocked because it hung: the scan timeout it had (ms). A longer timeout scans it again.
  int64_t timeout_ms = 0;
};

}  // namespace hearth
