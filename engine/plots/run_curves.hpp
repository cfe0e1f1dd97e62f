// What the plots read from a run folder: metrics.csv by column, and from run.json the losses,
// the monitored metric and its best epoch.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/runs/metrics_table.hpp"
#include "engine/runs/run_record.hpp"

namespace hearth {

/// A run's losses by optimizer step: what an epoch of thousands of steps looks like.
struct StepCurves {
  std::vector<double> train_step, train_loss;  ///< each batch's (batches.csv)
  std::vector<double> lr;                      ///< each batch's rate (NaN where batches.csv did not keep it)
  std::vector<double> valid_step, valid_loss;  ///< each validation's, inside epochs (valid_steps.csv) and at their ends
};

/// The per-epoch curves of one run.
struct RunCurves {
  std::filesystem::path folder;
  std::string label;                                   ///< "<job>/<timestamp>"
  std::vector<std::string> columns;                    ///< as in metrics.csv, in order
  std::map<std::string, std::vector<double>> values;   ///< column -> one value per row (NaN: empty cell)
  std::vector<std::string> loss_names;                 ///< per-loss columns besides "loss" (split prefix removed)
  std::string monitor;                                 ///< e.g. "valid.accuracy", "" when unknown
  std::optional<double> best_value;
  std::optional<double> best_epoch;
  StepCurves steps;  ///< empty when batches.csv keeps no steps
};

/// The losses by step of `run`: batches.csv, valid_steps.csv, and the valid.loss of each epoch at
/// its step (`epochs`: metrics.csv's columns). Files that cannot be read give no points.
StepCurves read_step_curves(const std::filesystem::path& run, const std::map<std::string, std::vector<double>>& epochs);

/// Reads metrics.csv and run.json of `run` (through engine/runs). Throws UsageError naming the
/// file when `run` is not a run folder, has no finished epoch, or metrics.csv is malformed (with
/// its line); Error naming run.json when that is damaged.
RunCurves read_run_curves(const std::filesystem::path& run);

/// The curves of a table already read, labelled `label`.
RunCurves curves_of(const MetricsTable& table, const RunRecord& record, const std::filesystem::path& run);

}  // namespace hearth
