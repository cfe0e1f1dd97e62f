// hearth-plugin-scanner: loads plugin libraries on behalf of the host, one path per stdin line,
// one JSON reply per stdout line. A library that crashes or hangs here costs only this process.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "engine/core/host_facts.hpp"
#include "engine/discovery/scan_json.hpp"
#include "engine/runtime/library_loader.hpp"

int main() {
  // Keep the protocol on a private descriptor: whatever a plugin prints while loading goes to
  // stderr instead of corrupting the replies.
  int protocol_fd = ::dup(STDOUT_FILENO);
  ::dup2(STDERR_FILENO, STDOUT_FILENO);
  FILE* protocol = ::fdopen(protocol_fd, "w");
  if (protocol == nullptr) return 3;

  auto reply = [&](const nlohmann::json& j) {
    std::string line = j.dump() + "\n";
    std::fwrite(line.data(), 1, line.size(), protocol);
    std::fflush(protocol);
  };
  reply({{"ready", true}, {"host", hearth::host_facts_line()}});

  std::string path;
  while (std::getline(std::cin, path)) {
    hearth::ScanResult result;
    result.path = path;
    try {
      result.library = hearth::load_library(path).checked.info;
      result.status = hearth::ScanStatus::ok;
    } catch (const std::exception& e) {
      result.status = hearth::ScanStatus::rejected;
      result.reason = e.what();
    }
    reply(hearth::scan_result_to_json(result));
  }
  return 0;
}
