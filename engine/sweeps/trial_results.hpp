// How each trial of a sweep stands, read from its run folder wherever the trial ran: its status
// (a trial still training is `running`, one whose process vanished `died`), its best value of
// the sweep's metric, its epochs and minutes, and its curves.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/plots/run_curves.hpp"
#include "engine/sweeps/sweep_index.hpp"

namespace hearth {

struct TrialResult {
  const IndexedTrial* trial = nullptr;
  /// pending (no run folder yet), created, running, completed, stopped_early, pruned, failed,
  /// interrupted, crashed, died, or damaged (its records cannot be read).
  std::string status = "pending";
  std::string detail;  ///< failed: the run's error; crashed, died, damaged: what and where
  std::optional<double> best;  ///< best value of the sweep's metric over its epochs
  std::optional<int64_t> best_epoch;
  int64_t epochs = 0;
  double minutes = 0;  ///< training time, summed over its epochs
  std::optional<RunCurves> curves;
  /// Completed, stopped early or pruned: a sweep does not run it again.
  bool finished() const { return status == "completed" || status == "stopped_early" || status == "pruned"; }
};

/// Every trial of `index`, in order. `maximize` is the metric's direction (sweep_direction).
std::vector<TrialResult> read_trial_results(const SweepIndex& index, bool maximize);

/// Whether the sweep's metric is better higher: its mode, or for "auto" the direction its trials'
/// runs recorded for that monitor, else lower for a loss and higher for anything else.
bool sweep_direction(const SweepIndex& index);

/// The best value of `column` over `curves` (NaN rows skipped), with its epoch.
std::optional<std::pair<double, int64_t>> best_of(const RunCurves& curves, const std::string& column, bool maximize);

}  // namespace hearth
