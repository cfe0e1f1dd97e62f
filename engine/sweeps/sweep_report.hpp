// `hearth sweep report`: one row per point of a sweep — its values, the mean and standard
// deviation of its trials' best metric over the repeats, min and max, epochs and minutes —
// ranked best first; the best point's command line; the trials that failed, with their errors.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "engine/sweeps/trial_results.hpp"

namespace hearth {

/// The trials of one point, summarised.
struct PointSummary {
  int64_t point = 0;
  std::vector<std::pair<std::string, std::string>> values;
  std::vector<const TrialResult*> trials;
  int64_t scored = 0;           ///< trials with a best value (finished, or running with epochs)
  std::optional<double> mean;   ///< of the trials' best values
  std::optional<double> stddev; ///< sample standard deviation, with two scored trials or more
  std::optional<double> min, max;
  double epochs = 0;   ///< mean over the scored trials
  double minutes = 0;  ///< summed over all its trials
  std::string status;  ///< "finished", or what keeps it from being: "running", "failed", "pending", ...
};

struct SweepReport {
  const SweepIndex* index = nullptr;
  bool maximize = false;
  std::vector<TrialResult> trials;
  std::vector<PointSummary> points;  ///< ranked: best mean first, unscored points last
  std::string best_command;          ///< `hearth run JOB --set ...` of the best point, or empty
};

/// Reads every trial of `index` and summarises it.
SweepReport make_sweep_report(const SweepIndex& index);

/// The report as a table for a terminal, JSON, CSV (one row per point) or Markdown.
std::string report_text(const SweepReport& report);
nlohmann::json report_json(const SweepReport& report);
std::string report_csv(const SweepReport& report);
std::string report_markdown(const SweepReport& report);

/// trials.csv: one row per trial with its values, status, best value, epochs and minutes.
std::string trials_csv(const SweepReport& report);

/// `value` quoted for a POSIX shell when it needs it: 'model.hidden=[512, 256]'.
std::string shell_word(const std::string& value);

}  // namespace hearth
