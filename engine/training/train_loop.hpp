// The epochs of one training run: each trains its batches (TrainStep), validates, and hands a
// report through the observers' phases (epoch_observer.hpp); between epochs it decides whether to
// go on. Nothing else is the loop's: checkpoints, records, schedules and stopping rules are
// observers.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/jobs/progress.hpp"
#include "engine/training/epoch_observer.hpp"
#include "engine/training/observer_chain.hpp"
#include "engine/training/train_step.hpp"

namespace hearth {

class Session;

/// Where training starts: the first epoch (0-based) and the batches of it already trained.
struct LoopStart {
  int64_t epoch = 0;
  int64_t batch_in_epoch = 0;
};

/// One pass of training over the train split, as far as it went.
struct TrainedEpoch {
  std::map<std::string, double> row;  ///< "train.loss", "train.<metric>", ...
  int64_t batches_done = 0;           ///< batches of the epoch behind us, skipped ones included
  int64_t batch_count = 0;            ///< batches in the epoch
  double data_wait_seconds = 0;       ///< time the step waited for data
  bool interrupted = false;           ///< stopped by an interrupt (in a group: any rank's)
  std::optional<TrainOutcome> ended;  ///< an observer ended training at a validation inside the epoch
  bool complete() const { return batches_done >= batch_count; }
};

class TrainLoop {
 public:
  /// `session` has started training; `progress` shows the batches (and logs them when asked).
  TrainLoop(Session& session, const MonitorPlan& plan, Progress& progress, LoopStart start);
  /// Adds an observer (not owned); each phase reaches them in the order they were added.
  void observe(EpochObserver& observer) { chain_.add(observer); }
  TrainOutcome run();

 private:
  std::optional<TrainOutcome> run_epoch(int64_t epoch);
  TrainedEpoch train_batches(int64_t epoch, int64_t skip);
  /// The batches an epoch of `batch_count` will train from `done` on: fewer when max_steps ends it.
  int64_t planned_batches(int64_t batch_count, int64_t done) const;
  /// The valid split's values into `row`, every validate_every epochs and after the last.
  void validate(int64_t epoch, std::map<std::string, double>& row);
  /// [train] validate_every_steps: whether the step just taken (batch `done` of `batch_count`)
  /// is one to validate at inside the epoch, and that validation.
  bool validates_inside(int64_t done, int64_t batch_count) const;
  std::optional<TrainOutcome> validate_inside(int64_t epoch, int64_t done);
  EpochReport report_of(int64_t epoch, TrainedEpoch& trained, double lr);
  std::optional<TrainOutcome> decide(const EpochReport& report, bool interrupted);

  Session& session_;
  const MonitorPlan& plan_;
  Progress& progress_;
  LoopStart start_;
  TrainStep step_;
  ObserverChain chain_;
};

}  // namespace hearth
