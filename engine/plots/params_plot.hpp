// Parallel coordinates of the hyper-parameters of many runs against their best monitored metric.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hearth {

/// One run as the parameters plot sees it.
struct RunParams {
  std::string label;
  std::vector<std::pair<std::string, std::string>> values;  ///< "optimizer.lr" -> "0.001" (TOML text)
  std::vector<bool> numeric;                                  ///< per value: a number (int or float)
  std::string monitor;
  double best = 0;
};

/// One run folder's parameters; nullopt when it has no best value yet or its run.json is damaged.
/// Throws UsageError naming its job.toml when that cannot be read.
std::optional<RunParams> read_run_params(const std::filesystem::path& run);

/// Every run folder (holding run.json) up to two levels under `runs_folder` that has a best value;
/// keys of its resolved job.toml flattened as "table.key" (arrays of tables as "losses.0.key").
std::vector<RunParams> read_runs_params(const std::filesystem::path& runs_folder);

/// Draws the keys that differ between `runs` as parallel axes, the best metric as the last axis,
/// one line per run coloured by that metric. Throws hearth::UsageError when fewer than two runs
/// share a monitor or nothing differs between them.
void write_params_plot(const std::vector<RunParams>& runs, const std::filesystem::path& out);

}  // namespace hearth
