#include "engine/plots/run_curves.hpp"

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/runs/run_metrics.hpp"

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

RunCurves read_run_curves(const std::filesystem::path& run) {
  const RunRecord record = read_run_record(run);
  const std::filesystem::path file = run / "metrics.csv";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    throw UsageError(printable(file.string()) + " is missing: the run has not finished an epoch");
  const MetricsTable table = read_run_metrics(run);
  if (table.columns.empty()) throw UsageError(printable(file.string()) + " is empty: the run has no finished epoch yet");
  return curves_of(table, record, run);
}

}  // namespace hearth
