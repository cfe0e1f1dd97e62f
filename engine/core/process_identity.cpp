#include "engine/core/process_identity.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/core/utc_timestamp.hpp"

namespace hearth {
namespace {

std::string first_line(const char* file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

/// Field 22 (starttime) of /proc/PID/stat; 0 when the process does not exist or has ended as a
/// zombie (state Z or X: it runs no more, only nobody has collected its exit status yet, as when
/// its parent was killed too and the reaper is slow). The command name (field 2) may hold spaces
/// and parentheses, so fields are counted after its last ')'.
int64_t start_ticks_of(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 1));
  std::string field;
  for (int n = 3; n <= 22 && rest >> field; ++n) {
    if (n == 3 && (field == "Z" || field == "X")) return 0;
    if (n == 22) return std::strtoll(field.c_str(), nullptr, 10);
  }
  return 0;
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "?";
  return name;
}

}  // namespace

ProcessIdentity this_process() {
  ProcessIdentity p;
  p.pid = ::getpid();
  p.host = host_name();
  p.boot_id = first_line("/proc/sys/kernel/random/boot_id");
  p.start_ticks = start_ticks_of(p.pid);
  p.started = utc_timestamp();
  return p;
}

std::optional<bool> process_alive(const ProcessIdentity& p) {
  if (p.host != host_name()) return std::nullopt;
  if (p.boot_id != first_line("/proc/sys/kernel/random/boot_id")) return false;
  return p.pid > 0 && start_ticks_of(p.pid) == p.start_ticks;
}

nlohmann::json to_json(const ProcessIdentity& p) {
  return {{"pid", p.pid}, {"host", json_text(p.host)}, {"boot_id", p.boot_id}, {"start_ticks", p.start_ticks}, {"started", p.started}};
}

ProcessIdentity process_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.value("pid", nlohmann::json()).is_number_integer() || !j.value("host", nlohmann::json()).is_string())
    throw Error("\"process\" is not an object of a pid and a host");
  ProcessIdentity p;
  p.pid = j["pid"].get<int64_t>();
  p.host = j["host"].get<std::string>();
  if (j.contains("boot_id") && j["boot_id"].is_string()) p.boot_id = j["boot_id"].get<std::string>();
  if (j.contains("start_ticks") && j["start_ticks"].is_number_integer()) p.start_ticks = j["start_ticks"].get<int64_t>();
  if (j.contains("started") && j["started"].is_string()) p.started = j["started"].get<std::string>();
  return p;
}

std::string process_text(const ProcessIdentity& p) { return "pid " + std::to_string(p.pid) + " on host " + printable(p.host); }

}  // namespace hearth
