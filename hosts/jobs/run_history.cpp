#include "hosts/jobs/run_history.hpp"

#include <spdlog/spdlog.h>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "hosts/jobs/run_creation.hpp"
#include "engine/core/utc_timestamp.hpp"

namespace hearth::jobs {
namespace {

using nlohmann::json;

/// The crash records' contents (a damaged one as its reason), then the files removed: the run
/// is no longer crashed once resumed.
std::vector<TakenCrash> take_crash_records(const fs::path& run) {
  std::vector<TakenCrash> records;
  for (const fs::path& file : crash_record_files(run)) {
    try {
      records.push_back({file.filename().string(), crash_record_text(file)});
    } catch (const std::exception& e) {
      records.push_back({file.filename().string(), e.what()});
    }
    std::error_code ec;
    fs::remove(file, ec);
  }
  return records;
}

}  // namespace

void warn_changed_plugins(const std::vector<PluginRecord>& before, const std::vector<PluginRecord>& now, const char* consequence) {
  for (const PluginRecord& p : now) {
    for (const PluginRecord& b : before) {
      if (b.table != p.table || b.module != p.module) continue;
      if (b.sha256 != p.sha256)
        spdlog::warn("{} module '{}' is not the file the run was trained with ({} sha256 {}..., now {} sha256 {}...): {}",
                     printable(p.table), printable(p.module), printable(b.file.empty() ? "?" : b.file),
                     (b.sha256.empty() ? std::string("?") : b.sha256).substr(0, 12), printable(p.file), p.sha256.substr(0, 12),
                     consequence);
    }
  }
}

const std::vector<PluginRecord>& trained_plugins(const RunRecord& record) {
  return record.resumes.empty() ? record.plugins : record.resumes.back().plugins;
}

void record_resume(RunFolder& run, const Job& job, const std::string& command_line, const RunCondition& found,
                   const std::string& checkpoint, int world_size) {
  RunRecord& record = run.record();
  ResumeRecord entry;
  entry.time = utc_timestamp();
  entry.command_line = command_line;
  entry.found = found.status;
  entry.detail = found.detail;
  entry.checkpoint = checkpoint;
  entry.world_size = world_size;
  entry.plugins = plugin_list(job);
  warn_changed_plugins(trained_plugins(record), entry.plugins,
                       "the run continues with the new one, and its numbers may differ from an uninterrupted run");
  entry.crashes = take_crash_records(run.path());
  if (found.status == "crashed" || found.status == "died")
    spdlog::warn("the run had {}: {}", found.status, found.detail);
  record.resumes.push_back(std::move(entry));
  record.error.clear();
  record.finished.clear();
  run.save_record();
}

void repair_best_checkpoint(RunFolder& run, const CheckpointState& last) {
  if (!repair_best(last, run.checkpoint(CheckpointName::last), run.checkpoint(CheckpointName::best))) return;
  RunRecord& record = run.record();
  spdlog::warn("best.pt was older than the best state `last` records (the process ended between writing the two); "
               "best.pt is now epoch {}{}", last.best_epoch, last.best_step >= 0 ? fmt::format(", step {}", last.best_step) : "");
  record.best = BestRecord{record.monitor ? record.monitor->name : "", last.best, last.best_epoch,
                           last.best_step >= 0 ? std::optional<int64_t>(last.best_step) : std::nullopt};
  run.save_record();
}

CheckpointState load_resume_checkpoint(const RunFolder& run, CheckpointName which) {
  try {
    return load_checkpoint(run.checkpoint(which));
  } catch (const Error& e) {
    const CheckpointName other_name = which == CheckpointName::last ? CheckpointName::best : CheckpointName::last;
    const std::string other = checkpoint_word(other_name);
    std::string advice;
    try {
      const CheckpointState intact = load_checkpoint(run.checkpoint(other_name));
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
