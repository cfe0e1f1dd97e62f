// hearth-plugin-scanner: loads plugin libraries on behalf of the host. Requests and replies are
// framed (engine/discovery/scan_protocol.hpp): a path's raw bytes in, one JSON reply out. A
// library that crashes or hangs here costs only this process.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "engine/core/byte_text.hpp"
#include "engine/core/host_facts.hpp"
#include "engine/discovery/scan_json.hpp"
#include "engine/discovery/scan_protocol.hpp"
#include "engine/runtime/library_loader.hpp"

namespace {

bool write_all(int fd, const std::string& bytes) {
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

/// The next request's path, or false when the host closed the pipe (or sent garbage).
bool next_path(std::string& buffer, std::string& path) {
  for (;;) {
    if (hearth::scan_protocol::take_frame(buffer, path)) return true;
    char chunk[4096];
    const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace

int main() {
  // Keep the protocol on a private descriptor: whatever a plugin prints while loading goes to
  // stderr instead of corrupting the replies.
  const int protocol = ::dup(STDOUT_FILENO);
  ::dup2(STDERR_FILENO, STDOUT_FILENO);
  if (protocol < 0) return 3;
  auto reply = [&](const nlohmann::json& j) { return write_all(protocol, hearth::scan_protocol::frame(j.dump())); };
  if (!reply({{"ready", true}, {"host", hearth::host_facts_line()}})) return 3;

  std::string buffer, path;
  try {
    while (next_path(buffer, path)) {
      hearth::ScanResult result;
      try {
        result.library = hearth::load_library(path).checked.info;
        result.status = hearth::ScanStatus::ok;
      } catch (const std::exception& e) {
        result.status = hearth::ScanStatus::rejected;
        // Loader messages quote the path, which may be any bytes.
        result.reason = hearth::json_text(e.what());
      }
      // The host knows the path it asked about; the reply carries only the verdict.
      if (!reply(hearth::scan_result_to_json(result))) return 3;
    }
  } catch (const std::exception&) {
    return 4;  // a malformed frame from the host
  }
  return 0;
}
