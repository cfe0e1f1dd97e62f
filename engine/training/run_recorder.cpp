#include "engine/training/run_recorder.hpp"

#include <algorithm>
#include <cmath>

#include "engine/core/utc_timestamp.hpp"

namespace hearth {

RunRecorder::RunRecorder(RunFolder& run, const MonitorPlan& plan, const ColumnNames& names, int64_t resumed_through,
                         int64_t resumed_step, bool step_validations)
    : run_(run), plan_(plan), csv_(run.path() / "metrics.csv", plan.columns, resumed_through), tensorboard_(run.path()) {
  if (step_validations) {
    std::vector<std::string> columns = {"step", "epoch", "batch"};
    for (const std::string& c : plan.columns)
      if (c.rfind("valid.", 0) == 0) columns.push_back(c);
    steps_csv_.emplace(run.path() / "valid_steps.csv", columns, resumed_step);
  }
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

void RunRecorder::record_validation(const StepValidation& v) {
  if (!steps_csv_) return;
  std::vector<std::optional<double>> cells = {static_cast<double>(v.step), static_cast<double>(v.epoch + 1),
                                              static_cast<double>(v.batches_done)};
  for (size_t i = 3; i < steps_csv_->columns().size(); ++i) {
    auto it = v.values.find(steps_csv_->columns()[i]);
    cells.push_back(it != v.values.end() ? std::optional<double>(it->second) : std::nullopt);
  }
  steps_csv_->row(cells);
  for (const auto& [k, value] : v.values)
    if (std::isfinite(value)) tensorboard_.scalar("valid_steps/" + k.substr(k.find('.') + 1), value, v.step);
  tensorboard_.flush();
}

void RunRecorder::after_checkpoint_validation(const StepValidation& v) {
  if (!v.improved) return;
  RunRecord& record = run_.record();
  record.best = BestRecord{plan_.monitor, v.best->value, v.best->epoch, v.best->step};
  run_.save_record();
}

std::string RunRecorder::best_tag() const { return "best/" + plan_.monitor; }

void RunRecorder::start_hparams(const std::vector<HParam>& params) { tensorboard_.hparams_start(params, best_tag()); }

void RunRecorder::after_checkpoint(const EpochReport& report) {
  RunRecord& record = run_.record();
  const EpochTiming& t = report.timing;
  record.timing.push_back({report.epoch + 1, t.seconds, t.train_seconds, t.data_wait_seconds, t.allreduce_wait_seconds, std::nullopt});
  record.epochs_done = report.epoch + 1;
  record.step = report.step;
  if (report.best) record.best = BestRecord{plan_.monitor, report.best->value, report.best->epoch, report.best->step};
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
