#include "hosts/jobs/run_history.hpp"

#include <spdlog/spdlog.h>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "hosts/jobs/opened_job.hpp"

namespace hearth::jobs {
namespace {

using nlohmann::json;

/// Warns for each module whose plugin file changed since the run started.
void warn_changed_plugins(const json& before, const json& now) {
  if (!before.is_array()) return;
  for (const json& p : now) {
    for (const json& b : before) {
      if (!b.is_object() || b.value("table", json()) != p["table"] || b.value("module", json()) != p["module"]) continue;
      if (b.value("sha256", json()) != p["sha256"])
        spdlog::warn("{} module '{}' is not the file the run started with ({} sha256 {}..., now {} sha256 {}...): the run "
                     "continues with the new one, and its numbers may differ from an uninterrupted run",
                     printable(p["table"].get<std::string>()), printable(p["module"].get<std::string>()),
                     printable(b.value("file", std::string("?"))), b.value("sha256", std::string("?")).substr(0, 12),
                     printable(p["file"].get<std::string>()), p["sha256"].get<std::string>().substr(0, 12));
    }
  }
}

/// The crash records' contents (a damaged one as its reason), then the files removed: the run
/// is no longer crashed once resumed.
json take_crash_records(const fs::path& run) {
  json records = json::array();
  for (const fs::path& file : crash_record_files(run)) {
    try {
      records.push_back({{"file", json_text(file.filename().string())}, {"text", json_text(crash_record_text(file))}});
    } catch (const std::exception& e) {
      records.push_back({{"file", json_text(file.filename().string())}, {"text", json_text(e.what())}});
    }
    std::error_code ec;
    fs::remove(file, ec);
  }
  return records;
}

}  // namespace

void record_resume(RunFolder& run, const Job& job, const std::string& command_line, const RunCondition& found,
                   const std::string& checkpoint, int world_size) {
  json& info = run.info();
  const json plugins = plugin_list(job);
  warn_changed_plugins(info.value("plugins", json::array()), plugins);
  json entry = {{"time", utc_timestamp()},
                {"command_line", json_text(command_line)},
                {"found", found.status},
                {"checkpoint", checkpoint},
                {"world_size", world_size},
                {"plugins", plugins}};
  if (!found.detail.empty()) entry["detail"] = json_text(found.detail);
  json crashes = take_crash_records(run.path());
  if (!crashes.empty()) entry["crashes"] = crashes;
  if (found.status == "crashed" || found.status == "died")
    spdlog::warn("the run had {}: {}", found.status, found.detail);
  if (!info.contains("resumes") || !info["resumes"].is_array()) info["resumes"] = json::array();
  info["resumes"].push_back(entry);
  info.erase("error");
  info.erase("finished");
  run.save_info();
}

void repair_best_checkpoint(RunFolder& run, const CheckpointState& last) {
  if (!repair_best(last, run.checkpoint("last"), run.checkpoint("best"))) return;
  json& info = run.info();
  spdlog::warn("best.pt was older than the best epoch `last` records (the process ended between writing the two); "
               "best.pt is now epoch {}", last.best_epoch);
  const json monitor = info.value("monitor", json::object());
  info["best"] = {{"monitor", monitor.is_object() ? monitor.value("name", "") : ""}, {"value", last.best}, {"epoch", last.best_epoch}};
  run.save_info();
}

CheckpointState load_resume_checkpoint(const RunFolder& run, const std::string& which) {
  if (which != "best" && which != "last") throw UsageError("--checkpoint '" + which + "': use last or best");
  try {
    return load_checkpoint(run.checkpoint(which));
  } catch (const Error& e) {
    const std::string other = which == "last" ? "best" : "last";
    std::string advice;
    try {
      const CheckpointState intact = load_checkpoint(run.checkpoint(other));
      advice = "; the run's `" + other + "` checkpoint (epoch " + std::to_string(intact.epoch) +
               ") is intact: continue from it with `hearth resume " + printable(run.path().string()) + " --checkpoint " +
               other + "`";
    } catch (const Error&) {
      advice = "; the run's `" + other + "` checkpoint cannot be used either: start a new run";
    }
    throw Error(e.what() + advice);
  }
}

}  // namespace hearth::jobs
