// Where a training run's epochs go: metrics.csv, TensorBoard events, run.json, and the metric
// plots, redrawn from the rows kept in memory (metrics.csv is read once, when a run resumes).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/jobs/run_folder.hpp"
#include "engine/jobs/tensorboard_writer.hpp"
#include "engine/plots/run_curves.hpp"

namespace hearth {

/// The metrics.csv columns of a job and the value that picks its best epoch.
struct MonitorPlan {
  std::vector<std::string> columns;
  std::string monitor;  ///< a column, e.g. "valid.accuracy"
  bool maximize = false;
};

/// Which losses and metrics have columns of their own, for run.json (the plots read them).
struct ColumnNames {
  std::vector<std::string> losses;  ///< empty when the job has one loss
  std::vector<std::string> metrics;
};

/// The best monitored value so far, as run.json reports it.
struct BestSoFar {
  double value = 0;
  int64_t epoch = 0;
};

/// Where one epoch's time went.
struct EpochTiming {
  double seconds = 0;            ///< the whole epoch, validation included
  double train_seconds = 0;      ///< the training steps alone (samples/s = train samples / this)
  double data_wait_seconds = 0;  ///< the step waited for data
  std::optional<double> allreduce_wait_seconds;  ///< in a group: waited on gradient all-reduces
};

/// Marks `run` failed with `error` in run.json (the run ended before its recorder existed).
void record_failure(RunFolder& run, const std::string& error);

class RunRecorder {
 public:
  /// Starts recording into `run`: marks it running and, on resume, keeps metrics.csv's rows
  /// through epoch `resumed_through` (-1: a new run).
  RunRecorder(RunFolder& run, const MonitorPlan& plan, const ColumnNames& names, int64_t resumed_through);

  /// One finished epoch: a metrics.csv row, TensorBoard scalars, and the row kept for the plots.
  void row(int64_t epoch, const std::map<std::string, double>& values);
  /// After the epoch's checkpoint: run.json's progress, then the plots redrawn.
  void epoch_done(int64_t epoch, int64_t step, int64_t skipped_steps, const EpochTiming& timing,
                  const std::optional<BestSoFar>& best);
  /// The run ended with `status` ("completed", "stopped_early", "interrupted", "failed").
  void finish(const std::string& status, const std::string& error = {});

 private:
  void refresh_plots();

  RunFolder& run_;
  MonitorPlan plan_;
  MetricsCsv csv_;
  TensorBoardWriter tensorboard_;
  nlohmann::json timing_;
  std::optional<RunCurves> curves_;  ///< nullopt when the existing metrics.csv could not be read
};

}  // namespace hearth
