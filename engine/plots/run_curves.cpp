#include "engine/plots/run_curves.hpp"

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/runs/batch_log.hpp"
#include "engine/runs/run_metrics.hpp"

#include <cmath>

namespace hearth {

RunCurves curves_of(const MetricsTable& table, const RunRecord& record, const std::filesystem::path& run) {
  RunCurves out;
  out.folder = run;
  out.label = (record.job.empty() ? run.parent_path().filename().string() : record.job) + "/" + run.filename().string();
  if (record.columns) out.loss_names = record.columns->losses;
  if (record.monitor) out.monitor = record.monitor->name;
  if (record.best) {
    out.best_value = record.best->value;
    out.best_epoch = static_cast<double>(record.best->epoch);
  }
  out.columns = table.columns;
  for (const std::string& c : table.columns) out.values[c] = table.column(c);
  return out;
}

StepCurves read_step_curves(const std::filesystem::path& run, const std::map<std::string, std::vector<double>>& epochs) {
  StepCurves out;
  const BatchPoints batches = read_batch_points(run / "batches.csv");
  for (size_t i = 0; i < batches.steps.size(); ++i)
    if (std::isfinite(batches.steps[i])) {
      out.train_step.push_back(batches.steps[i]);
      out.train_loss.push_back(batches.loss[i]);
      out.lr.push_back(batches.lr[i]);
    }
  std::map<double, double> valid;  // by step: the epoch's row and a step validation at its last batch agree
  auto take = [&](const std::vector<double>& steps, const std::vector<double>& losses) {
    for (size_t i = 0; i < steps.size() && i < losses.size(); ++i)
      if (std::isfinite(steps[i]) && std::isfinite(losses[i])) valid[steps[i]] = losses[i];
  };
  auto step = epochs.find("step"), loss = epochs.find("valid.loss");
  if (step != epochs.end() && loss != epochs.end()) take(step->second, loss->second);
  try {
    const MetricsTable inside = read_metrics_table(run / "valid_steps.csv", DamagedRows::skip);
    take(inside.column("step"), inside.column("valid.loss"));
  } catch (const std::exception&) {
    // A damaged valid_steps.csv costs its points, not the plot.
  }
  for (const auto& [step, loss] : valid) {
    out.valid_step.push_back(step);
    out.valid_loss.push_back(loss);
  }
  return out;
}

RunCurves read_run_curves(const std::filesystem::path& run) {
  const RunRecord record = read_run_record(run);
  const std::filesystem::path file = run / "metrics.csv";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    throw UsageError(printable(file.string()) + " is missing: the run has not finished an epoch");
  const MetricsTable table = read_run_metrics(run);
  if (table.columns.empty()) throw UsageError(printable(file.string()) + " is empty: the run has no finished epoch yet");
  RunCurves curves = curves_of(table, record, run);
  curves.steps = read_step_curves(run, curves.values);
  return curves;
}

}  // namespace hearth
