#include "engine/training/plot_redraw.hpp"

#include <spdlog/spdlog.h>

#include <cmath>

#include "engine/plots/metrics_plot.hpp"

namespace hearth {

PlotRedraw::PlotRedraw(const std::filesystem::path& run, const MonitorPlan& plan) : run_(run), plan_(plan) {
  try {
    curves_ = read_run_curves(run_);
  } catch (const std::exception& e) {
    spdlog::warn("cannot read the run's earlier epochs for the plots: {}", e.what());
  }
}

void PlotRedraw::record(const EpochReport& report) {
  if (!curves_) return;
  for (const std::string& c : plan_.columns) {
    auto it = report.row.find(c);
    curves_->values[c].push_back(it != report.row.end() ? it->second : NAN);
  }
}

void PlotRedraw::after_checkpoint(const EpochReport& report) {
  if (!curves_) return;
  if (report.best) {
    curves_->best_value = report.best->value;
    curves_->best_epoch = static_cast<double>(report.best->epoch);
  }
  redraw();
}

void PlotRedraw::checkpoint_validation(const StepValidation&) {
  if (curves_) redraw();
}

void PlotRedraw::redraw() {
  try {
    curves_->steps = read_step_curves(run_, curves_->values);
    write_metrics_plot({*curves_}, run_ / "metrics.png");
    write_metrics_plot({*curves_}, run_ / "metrics.svg");
  } catch (const std::exception& e) {
    spdlog::warn("cannot draw the metric plots: {}", e.what());
  }
}

}  // namespace hearth
