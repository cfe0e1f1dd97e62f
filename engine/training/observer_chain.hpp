// The observers of one run, in the order each phase reaches them, and the phases an epoch's end
// and a validation inside an epoch pass through (epoch_observer.hpp). The training loop and an
// embedded session (hosts/embed) both end their epochs through it, so both write the same files.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/training/epoch_observer.hpp"

namespace hearth {

class Session;

class ObserverChain {
 public:
  /// `session` trains with `plan`; its options give the planned epochs for the log line.
  ObserverChain(Session& session, const MonitorPlan& plan) : session_(session), plan_(plan) {}
  /// Adds an observer (not owned), after those added before.
  void add(EpochObserver& observer) { observers_.push_back(&observer); }

  /// An epoch's end, whose report has its row, monitored value and train timing: judge, record,
  /// the epoch's time and all-reduce wait and its log line, checkpoint, after_checkpoint.
  void end_epoch(EpochReport& report, std::chrono::steady_clock::time_point epoch_start);
  /// The first observer's verdict on the epoch, if any.
  std::optional<TrainOutcome> verdict(const EpochReport& report);
  /// A validation inside an epoch, with its values: every phase, then the first verdict.
  std::optional<TrainOutcome> validation(StepValidation& v);
  /// Training stopped inside epoch `epoch` (0-based) after `batches_done` of its batches.
  void interrupted(int64_t epoch, int64_t batches_done);

 private:
  void log_epoch(const EpochReport& report) const;

  Session& session_;
  const MonitorPlan& plan_;
  std::vector<EpochObserver*> observers_;
};

}  // namespace hearth
