// The checkpointer: judges each epoch's monitored value against the best so far (keeping the
// best and the epochs without improvement, which early stopping reads from the report), writes
// `last` after every epoch and on an interrupt, and copies it to `best` when the epoch improved.
#pragma once

#include <cstdint>

#include "engine/runs/checkpoint.hpp"
#include "engine/runs/run_folder.hpp"
#include "engine/training/epoch_observer.hpp"

namespace hearth {

class Session;
struct TrainOptions;

class Checkpointer final : public EpochObserver {
 public:
  /// `run` null: a rank that writes no files (it still judges alike, and tells its crash record
  /// which epoch the writer checkpointed). `resumed`: the checkpoint training continues from.
  Checkpointer(Session& session, RunFolder* run, const MonitorPlan& plan, const CheckpointState* resumed);

  void judge(EpochReport& report) override;
  void checkpoint(const EpochReport& report) override;
  void interrupted(int64_t epoch, int64_t batches_done) override;
  /// A validation inside an epoch saves `last` there: a kill then loses at most that many steps.
  void checkpoint_validation(const StepValidation& v) override;

 private:
  /// `last`: the session's state with the best-epoch bookkeeping.
  void save_last(int64_t epochs_done, int64_t batch_in_epoch);

  Session& session_;
  RunFolder* run_;
  const MonitorPlan& plan_;
  double min_delta_;
  double best_ = 0;
  bool has_best_ = false;
  int64_t best_epoch_ = 0;
  int64_t bad_epochs_ = 0;
};

}  // namespace hearth
