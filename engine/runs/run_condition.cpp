#include "engine/runs/run_condition.hpp"

#include <algorithm>
#include <fstream>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/core/process_identity.hpp"

namespace hearth {
namespace {

using nlohmann::json;

int64_t integer(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number_integer() ? j[key].get<int64_t>() : 0;
}

std::string string_of(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? printable(j[key].get<std::string>()) : std::string("?");
}

std::string checkpoint_text(int64_t epoch) {
  return epoch > 0 ? "last checkpoint epoch " + std::to_string(epoch) : std::string("no checkpoint yet");
}

std::string died_text(const RunRecord& record, const ProcessIdentity& p) {
  return "its process (" + process_text(p) + ", started " + printable(p.started) +
         ") ended without a word: killed (SIGKILL, out of memory) or its machine stopped; " +
         checkpoint_text(record.epochs_done);
}

}  // namespace

std::vector<std::filesystem::path> crash_record_files(const std::filesystem::path& run) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  if (std::filesystem::is_regular_file(run / "crash.json", ec)) files.push_back(run / "crash.json");
  std::vector<std::filesystem::path> ranks;
  for (std::filesystem::directory_iterator it(run, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("crash.rank-", 0) == 0 && name.size() > 16 && name.substr(name.size() - 5) == ".json") ranks.push_back(it->path());
  }
  std::sort(ranks.begin(), ranks.end());
  files.insert(files.end(), ranks.begin(), ranks.end());
  return files;
}

std::string crash_record_text(const std::filesystem::path& file) {
  json r;
  try {
    std::ifstream in(file);
    r = json::parse(in);
  } catch (const std::exception& e) {
    throw Error("crash record " + printable(file.string()) + " is unreadable: " + e.what());
  }
  if (!r.is_object()) throw Error("crash record " + printable(file.string()) + " does not hold a JSON object");
  std::string text = r.value("kind", json()) == "exit" ? "exit(" + std::to_string(integer(r, "exit_status")) + ") called"
                                                      : string_of(r, "signal_name");
  if (r.contains("plugin") && r["plugin"].is_object()) {
    const json& p = r["plugin"];
    text += " in " + string_of(p, "category") + " '" + string_of(p, "module") + "' (" + string_of(p, "file") + "), in " +
            string_of(r, "entry");
    if (r.value("plugin_thread", json(true)) == false) text += " (the crash was on another thread)";
  } else {
    text += " outside any plugin call";
  }
  text += ", epoch " + std::to_string(integer(r, "epoch")) + " batch " + std::to_string(integer(r, "batch")) + " (step " +
          std::to_string(integer(r, "step")) + "); " + checkpoint_text(integer(r, "last_checkpoint_epoch"));
  const std::string name = file.filename().string();
  if (name != "crash.json") text = name.substr(6, name.size() - 11) + ": " + text;  // "rank-2: ..."
  return text;
}

RunCondition assess_run(const std::filesystem::path& run, const RunRecord& record) {
  RunCondition c;
  c.status = status_name(record.status);
  // A failed run with a crash record failed because of the crash (another rank's, whose peers
  // then lost it): the crash is the cause to report.
  const RunStatus s = record.status;
  if (s != RunStatus::running && s != RunStatus::created && s != RunStatus::failed) return c;
  const std::vector<std::filesystem::path> crashes = crash_record_files(run);
  if (!crashes.empty()) {
    c.status = "crashed";
    try {
      c.detail = crash_record_text(crashes.front());
    } catch (const std::exception& e) {
      c.detail = e.what();
    }
    return c;
  }
  if (s == RunStatus::failed || !record.process) return c;
  const ProcessIdentity& p = *record.process;
  const std::optional<bool> alive = process_alive(p);
  if (!alive) c.detail = "on host " + printable(p.host) + " (this host cannot tell whether it still runs)";
  else if (!*alive) {
    c.status = "died";
    c.detail = died_text(record, p);
  }
  return c;
}

}  // namespace hearth
