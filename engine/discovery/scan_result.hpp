// The outcome of scanning one library file.
#pragma once

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
};

}  // namespace hearth
