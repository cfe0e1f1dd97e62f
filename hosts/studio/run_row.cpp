#include "run_row.hpp"

#include <toml++/toml.h>


#include "engine/core/byte_text.hpp"
#include "engine/params/host_keys.hpp"
#include "engine/runs/diagnostic_files.hpp"
#include "engine/runs/run_listing.hpp"
#include "run_paths.hpp"

namespace hearth::studio {

namespace fs = std::filesystem;

TrainOptions planned_training(const fs::path& run) {
  try {
    const toml::table job = toml::parse_file((run / "job.toml").string());
    return train_keys().read(job["train"].as_table(), (run / "job.toml").string());
  } catch (const std::exception&) {
    return train_keys().defaults();  // a row still shows for a run whose job is damaged
  }
}

nlohmann::json run_row(const fs::path& runs_dir, const fs::path& run) {
  ListedRun r = list_run(run);
  nlohmann::json row = {{"id", json_text(run_id_of(runs_dir, run))}, {"status", r.condition.status}};
  if (!r.damage.empty()) {
    row["error"] = json_text(r.damage);
    return row;
  }
  const RunRecord& record = r.record;
  if (!r.condition.detail.empty()) row["detail"] = json_text(r.condition.detail);
  row["job"] = json_text(record.job);
  row["epochs_done"] = record.epochs_done;
  row["step"] = record.step;
  row["created"] = json_text(record.created);
  row["epochs"] = planned_training(run).epochs;
  if (record.best)
    row["best"] = {{"monitor", json_text(record.best->monitor)}, {"value", record.best->value}, {"epoch", record.best->epoch}};
  if (!record.finished.empty()) row["finished"] = json_text(record.finished);
  if (!record.error.empty()) row["error"] = json_text(record.error);
  if (record.process) row["pid"] = record.process->pid;
  row["seconds"] = seconds_between(record.created, record.finished);
  // A language model's run: its data is a text (the vocabulary starts with <unk>) or the `text`
  // dataset made it; the Model tab offers a prompt box instead of a predictions sheet.
  bool text = !record.classes.empty() && record.classes.front() == "<unk>";
  for (const PluginRecord& p : record.plugins) text = text || (p.category == "dataset" && p.module == "text");
  row["samples_text"] = text;
  return row;
}

nlohmann::json run_diagnostics(const fs::path& run) {
  nlohmann::json out = nlohmann::json::array();
  for (const DiagnosticPictures& d : list_diagnostic_pictures(run))
    out.push_back({{"name", d.name}, {"epochs", d.epochs}, {"files", d.files}});  // plain names: valid UTF-8
  return {{"diagnostics", out}};
}

}  // namespace hearth::studio
