// What the plots read from a run folder: metrics.csv by column, and from run.json the losses,
// the monitored metric and its best epoch.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hearth {

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
};

/// Reads metrics.csv and run.json of `run`. Throws hearth::UsageError naming the file when `run`
/// is not a run folder or metrics.csv is malformed (with its line).
RunCurves read_run_curves(const std::filesystem::path& run);

/// Parses metrics.csv text; `file` only names it in errors.
void parse_metrics_csv(const std::string& text, const std::string& file, RunCurves& out);

}  // namespace hearth
