// What the training loop tells about each epoch, and to whom. The loop trains and validates; all
// it does besides is done by observers, each in its own file: the checkpointer (best and bad
// epochs, the `last` and `best` files), the epoch scheduler, the run recorder (metrics.csv,
// TensorBoard, run.json), the plot redraw, early stopping and a sweep's median-rule pruning.
// Callbacks and diagnostics are observers too.
//
// Each finished epoch goes through five phases, every observer in the order it was added:
//   judge            the values are known and nothing is written yet: best, schedules
//   record           the epoch's rows (metrics.csv, TensorBoard)
//   checkpoint       the state to resume from (`last`, and `best` when improved)
//   after_checkpoint what may be lost to a kill without harm: run.json, pictures, diagnostics
//   verdict          whether training ends here
// A validation inside an epoch ([train] validate_every_steps) goes through the same phases:
// judge_validation, record_validation, checkpoint_validation, after_checkpoint_validation and
// verdict_validation (early stopping may end training there, inside the epoch).
// Rows are written before the checkpoint so that a kill in between leaves a row the resume drops
// (its epoch is trained again), never a checkpoint without its row.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hearth {

/// How training ended; `pruned`: a sweep's median rule stopped a trial that was clearly worse.
enum class TrainOutcome { completed, stopped_early, interrupted, pruned };

/// The metrics.csv columns of a job and the value that picks its best epoch.
struct MonitorPlan {
  std::vector<std::string> columns;
  std::string monitor;  ///< a column, e.g. "valid.accuracy"
  bool maximize = false;
};

/// The best monitored value so far.
struct BestSoFar {
  double value = 0;
  int64_t epoch = 0;  ///< 1-based: the epoch it was reached in (at its end, or inside it)
  std::optional<int64_t> step;  ///< the optimizer step it was reached at, when the job validates inside epochs
};

/// Where one epoch's time went.
struct EpochTiming {
  double seconds = 0;            ///< the whole epoch, validation included
  double train_seconds = 0;      ///< the training steps alone (samples/s = train samples / this)
  double data_wait_seconds = 0;  ///< the step waited for data
  std::optional<double> allreduce_wait_seconds;  ///< in a group: waited on gradient all-reduces
};

/// One finished epoch, as the observers see it.
struct EpochReport {
  int64_t epoch = 0;                   ///< 0-based: the epoch just trained
  std::map<std::string, double> row;  ///< metrics.csv's values ("epoch", "train.loss", ...)
  std::optional<double> monitored;     ///< the row's monitored value, when it has one
  int64_t step = 0, skipped_steps = 0;
  // Set in the judge phase by the checkpointer:
  bool improved = false;               ///< the monitored value is the best so far
  std::optional<BestSoFar> best;
  /// validations since the last improvement: epochs, and with [train] validate_every_steps the
  /// validations inside them too (the count early stopping's patience is in)
  int64_t bad_epochs = 0;
  // train_seconds and data_wait_seconds are set before the judge phase; seconds (the epoch so far)
  // and allreduce_wait_seconds after the record phase, before the checkpoint.
  EpochTiming timing;
};

/// A validation inside an epoch ([train] validate_every_steps).
struct StepValidation {
  int64_t epoch = 0;         ///< 0-based: the epoch being trained
  int64_t batches_done = 0;  ///< of that epoch
  int64_t step = 0;          ///< optimizer steps taken
  std::map<std::string, double> values;  ///< "valid.loss", ...
  std::optional<double> monitored;       ///< the monitored value, when it is a valid.* value
  // Set in the judge phase by the checkpointer, as for an epoch:
  bool improved = false;
  std::optional<BestSoFar> best;
  int64_t bad_validations = 0;  ///< validations since the last improvement (early stopping's count)
};

class EpochObserver {
 public:
  virtual ~EpochObserver() = default;
  virtual void judge(EpochReport&) {}
  virtual void record(const EpochReport&) {}
  virtual void checkpoint(const EpochReport&) {}
  virtual void after_checkpoint(const EpochReport&) {}
  virtual std::optional<TrainOutcome> verdict(const EpochReport&) { return std::nullopt; }
  /// A validation inside an epoch, in the phases of an epoch's end.
  virtual void judge_validation(StepValidation&) {}
  virtual void record_validation(const StepValidation&) {}
  virtual void checkpoint_validation(const StepValidation&) {}
  virtual void after_checkpoint_validation(const StepValidation&) {}
  virtual std::optional<TrainOutcome> verdict_validation(const StepValidation&) { return std::nullopt; }
  /// Training stopped inside epoch `epoch` (0-based) after `batches_done` of its batches.
  virtual void interrupted(int64_t /*epoch*/, int64_t /*batches_done*/) {}
};

}  // namespace hearth
