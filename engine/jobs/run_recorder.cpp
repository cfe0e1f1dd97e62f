#include "engine/jobs/run_recorder.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "engine/core/byte_text.hpp"
#include "engine/plots/metrics_plot.hpp"

namespace hearth {

RunRecorder::RunRecorder(RunFolder& run, const MonitorPlan& plan, const ColumnNames& names, int64_t resumed_through)
    : run_(run),
      plan_(plan),
      csv_(run.path() / "metrics.csv", plan.columns, resumed_through),
      tensorboard_(run.path()),
      timing_(nlohmann::json::array()) {
  auto& info = run_.info();
  // Epochs after the checkpoint this run continues from (resumed from `best`) are trained again.
  for (const nlohmann::json& t : info.value("timing", nlohmann::json::array()))
    if (t.is_object() && t.value("epoch", int64_t{0}) <= resumed_through) timing_.push_back(t);
  info["status"] = "running";
  info["monitor"] = {{"name", plan.monitor}, {"mode", plan.maximize ? "max" : "min"}};
  // The plots tell loss columns from metric columns by these names.
  info["columns"] = {{"losses", names.losses}, {"metrics", names.metrics}};
  run_.save_info();
  try {
    curves_ = read_run_curves(run_.path());
  } catch (const std::exception& e) {
    spdlog::warn("cannot read the run's earlier epochs for the plots: {}", e.what());
  }
}

void RunRecorder::row(int64_t epoch, const std::map<std::string, double>& values) {
  std::vector<std::optional<double>> cells;
  for (const std::string& c : plan_.columns) {
    auto it = values.find(c);
    cells.push_back(it != values.end() ? std::optional<double>(it->second) : std::nullopt);
    if (curves_) curves_->values[c].push_back(it != values.end() ? it->second : NAN);
  }
  csv_.row(cells);
  for (const auto& [k, v] : values) {
    if (k == "epoch" || k == "step" || !std::isfinite(v)) continue;
    std::string tag = k;
    std::replace(tag.begin(), tag.end(), '.', '/');
    tensorboard_.scalar(tag, v, epoch + 1);
  }
  tensorboard_.flush();
}

void RunRecorder::epoch_done(int64_t epoch, int64_t step, int64_t skipped_steps, const EpochTiming& timing,
                             const std::optional<BestSoFar>& best) {
  auto& info = run_.info();
  nlohmann::json entry = {{"epoch", epoch + 1}, {"seconds", timing.seconds}, {"train_seconds", timing.train_seconds},
                          {"data_wait_seconds", timing.data_wait_seconds}};
  if (timing.allreduce_wait_seconds) entry["allreduce_wait_seconds"] = *timing.allreduce_wait_seconds;
  timing_.push_back(entry);
  info["epochs_done"] = epoch + 1;
  info["step"] = step;
  info["timing"] = timing_;
  if (best) info["best"] = {{"monitor", plan_.monitor}, {"value", best->value}, {"epoch", best->epoch}};
  info["skipped_steps"] = skipped_steps;
  run_.save_info();
  if (curves_ && best) {
    curves_->best_value = best->value;
    curves_->best_epoch = static_cast<double>(best->epoch);
  }
  refresh_plots();
}

void record_failure(RunFolder& run, const std::string& error) {
  auto& info = run.info();
  info["status"] = "failed";
  info["error"] = json_text(error);
  info["finished"] = utc_timestamp();
  try {
    run.save_info();
  } catch (const std::exception& e) {
    spdlog::warn("{}", e.what());  // the error being reported matters more than this one
  }
}

void RunRecorder::finish(const std::string& status, const std::string& error) {
  auto& info = run_.info();
  info["timing"] = timing_;
  if (status == "failed") return record_failure(run_, error);
  info["status"] = status;
  info["finished"] = utc_timestamp();
  run_.save_info();
}

/// metrics.png and metrics.svg. A picture that cannot be drawn is a warning, never the end of a
/// training run.
void RunRecorder::refresh_plots() {
  if (!curves_) return;
  try {
    write_metrics_plot({*curves_}, run_.path() / "metrics.png");
    write_metrics_plot({*curves_}, run_.path() / "metrics.svg");
  } catch (const std::exception& e) {
    spdlog::warn("cannot draw the metric plots: {}", e.what());
  }
}

}  // namespace hearth
