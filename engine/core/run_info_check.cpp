#include "engine/core/run_info_check.hpp"

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"

#include <functional>
#include <initializer_list>
#include <string>

namespace hearth {
namespace {

using nlohmann::json;

void check_strings(const json& info, std::initializer_list<const char*> keys, const std::string& prefix,
                   const std::function<void(const std::string&, const char*)>& bad) {
  for (const char* key : keys)
    if (info.contains(key) && !info[key].is_string()) bad(prefix + key, "a string");
}

}  // namespace

void check_run_info(const json& info, const std::filesystem::path& file) {
  const std::string where = printable(file.string());
  auto bad = [&](const std::string& key, const char* want) {
    throw Error(where + ": \"" + key + "\" is not " + want + "; the file is damaged (restore it, or remove the run)");
  };
  if (!info.is_object()) throw Error(where + " does not hold a JSON object; the file is damaged");
  check_strings(info, {"status", "job", "job_file", "job_folder", "created", "finished", "device", "command_line", "error"}, "", bad);
  for (const char* key : {"epochs_done", "step", "skipped_steps"})
    if (info.contains(key) && !info[key].is_number_integer()) bad(key, "an integer");
  if (info.contains("best")) {
    const json& b = info["best"];
    if (!b.is_object() || (b.contains("monitor") && !b["monitor"].is_string()) ||
        (b.contains("value") && !b["value"].is_number()) || (b.contains("epoch") && !b["epoch"].is_number_integer()))
      bad("best", "an object of a monitor name, a value and an epoch");
  }
  if (info.contains("monitor") && (!info["monitor"].is_object() || !info["monitor"].value("name", json("")).is_string()))
    bad("monitor", "an object with a name");
  if (info.contains("plugin_paths")) {
    if (!info["plugin_paths"].is_array()) bad("plugin_paths", "a list");
    for (const json& p : info["plugin_paths"])
      if (!p.is_string()) bad("plugin_paths", "a list of strings");
  }
  for (const char* key : {"plugins", "timing", "resumes"}) {
    if (!info.contains(key)) continue;
    if (!info[key].is_array()) bad(key, "a list");
    for (const json& p : info[key])
      if (!p.is_object()) bad(key, "a list of objects");
  }
  for (const json& p : info.value("plugins", json::array()))
    check_strings(p, {"table", "pack", "module", "version", "sha256", "file"}, "plugins.", bad);
  for (const json& t : info.value("timing", json::array()))
    if (t.contains("epoch") && !t["epoch"].is_number_integer()) bad("timing.epoch", "an integer");
  if (info.contains("distributed")) {
    const json& d = info["distributed"];
    if (!d.is_object() || (d.contains("world_size") && !d["world_size"].is_number_integer()))
      bad("distributed", "an object with an integer world_size");
  }
}

}  // namespace hearth
