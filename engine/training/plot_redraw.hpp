// The metric plots of a run (metrics.png and metrics.svg), redrawn after every epoch's checkpoint
// from rows kept in memory: metrics.csv is read once, when the recorder starts (a resume). A
// picture that cannot be drawn is a warning, never the end of a training run.
#pragma once

#include <filesystem>
#include <optional>

#include "engine/plots/run_curves.hpp"
#include "engine/training/epoch_observer.hpp"

namespace hearth {

class PlotRedraw final : public EpochObserver {
 public:
  /// Reads `run`'s earlier epochs (after the recorder trimmed them to the checkpoint).
  PlotRedraw(const std::filesystem::path& run, const MonitorPlan& plan);
  void record(const EpochReport& report) override;
  void after_checkpoint(const EpochReport& report) override;
  /// A validation inside an epoch redraws too: its point joins the by-step panel.
  void checkpoint_validation(const StepValidation& v) override;

 private:
  std::filesystem::path run_;
  const MonitorPlan& plan_;
  void redraw();
  std::optional<RunCurves> curves_;  ///< nullopt when the existing metrics.csv could not be read
};

}  // namespace hearth
