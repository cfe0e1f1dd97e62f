#include "engine/training/run_recorder.hpp"

#include <algorithm>
#include <cmath>

#include "engine/core/utc_timestamp.hpp"

namespace hearth {

RunRecorder::RunRecorder(RunFolder& run, const MonitorPlan& plan, const ColumnNames& names, int64_t resumed_through)
    : run_(run), plan_(plan), csv_(run.path() / "metrics.csv", plan.columns, resumed_through), tensorboard_(run.path()) {
  RunRecord& record = run_.record();
  // Epochs after the checkpoint this run continues from (resumed from `best`) are trained again.
  std::vector<EpochTimingRecord>& timing = record.timing;
  timing.erase(std::remove_if(timing.begin(), timing.end(), [&](const EpochTimingRecord& t) { return t.epoch > resumed_through; }),
               timing.end());
  record.status = RunStatus::running;
  record.monitor = MonitorRecord{plan.monitor, plan.maximize};
  // The plots tell loss columns from metric columns by these names.
  record.columns = ColumnRecord{names.losses, names.metrics};
  run_.save_record();
}

void RunRecorder::record(const EpochReport& report) {
  std::vector<std::optional<double>> cells;
  for (const std::string& c : plan_.columns) {
    auto it = report.row.find(c);
    cells.push_back(it != report.row.end() ? std::optional<double>(it->second) : std::nullopt);
  }
  csv_.row(cells);
  for (const auto& [k, v] : report.row) {
    if (k == "epoch" || k == "step" || !std::isfinite(v)) continue;
    std::string tag = k;
    std::replace(tag.begin(), tag.end(), '.', '/');
    tensorboard_.scalar(tag, v, report.epoch + 1);
  }
  if (report.best) tensorboard_.scalar(best_tag(), report.best->value, report.epoch + 1);
  tensorboard_.flush();
}

std::string RunRecorder::best_tag() const { return "best/" + plan_.monitor; }

void RunRecorder::start_hparams(const std::vector<HParam>& params) { tensorboard_.hparams_start(params, best_tag()); }

void RunRecorder::after_checkpoint(const EpochReport& report) {
  RunRecord& record = run_.record();
  const EpochTiming& t = report.timing;
  record.timing.push_back({report.epoch + 1, t.seconds, t.train_seconds, t.data_wait_seconds, t.allreduce_wait_seconds, std::nullopt});
  record.epochs_done = report.epoch + 1;
  record.step = report.step;
  if (report.best) record.best = BestRecord{plan_.monitor, report.best->value, report.best->epoch};
  record.skipped_steps = report.skipped_steps;
  run_.save_record();
}

void RunRecorder::finish(RunStatus status, const std::string& error) {
  tensorboard_.hparams_end(status == RunStatus::completed || status == RunStatus::stopped_early);
  if (status == RunStatus::failed) return record_failure(run_, error);
  RunRecord& record = run_.record();
  record.status = status;
  record.finished = utc_timestamp();
  run_.save_record();
}

}  // namespace hearth
