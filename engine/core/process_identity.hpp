// Which process is working on a run, told apart from a later process that got the same pid:
// pid, host, the kernel's boot id and the process's start time in clock ticks since boot.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace hearth {

struct ProcessIdentity {
  int64_t pid = 0;
  std::string host;
  std::string boot_id;      ///< /proc/sys/kernel/random/boot_id: a reboot ends every process
  int64_t start_ticks = 0;  ///< field 22 of /proc/PID/stat
  std::string started;      ///< UTC, for people
};

/// This process.
ProcessIdentity this_process();

/// Whether that process still runs: nullopt when it ran on another host (this one cannot tell).
std::optional<bool> process_alive(const ProcessIdentity& p);

/// {"pid", "host", "boot_id", "start_ticks", "started"}; from_json throws Error on other shapes.
nlohmann::json to_json(const ProcessIdentity& p);
ProcessIdentity process_from_json(const nlohmann::json& j);

/// "pid 4242 on host gpu7"
std::string process_text(const ProcessIdentity& p);

}  // namespace hearth
