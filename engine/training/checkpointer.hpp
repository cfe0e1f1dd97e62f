// The checkpointer: judges each validation's monitored value against the best so far (keeping the
// best and the validations without improvement, which early stopping reads from the report), writes
// `last` after every epoch, every validation inside one and on an interrupt, and copies it to
// `best` when the value improved.
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
  void judge_validation(StepValidation& v) override;
  void checkpoint(const EpochReport& report) override;
  void interrupted(int64_t epoch, int64_t batches_done) override;
  /// A validation inside an epoch saves `last` there: a kill then loses at most that many steps.
  void checkpoint_validation(const StepValidation& v) override;

 private:
  /// `last`: the session's state with the best-epoch bookkeeping.
  void save_last(int64_t epochs_done, int64_t batch_in_epoch);
  /// Weighs `value`, reached in epoch `epoch` (1-based) at `step`; returns whether it improved.
  bool weigh(std::optional<double> value, int64_t epoch, int64_t step);
  std::optional<BestSoFar> best_so_far() const;

  Session& session_;
  RunFolder* run_;
  const MonitorPlan& plan_;
  double min_delta_;
  double best_ = 0;
  bool has_best_ = false;
  int64_t best_epoch_ = 0;
  int64_t bad_epochs_ = 0;
  /// Kept only when the job validates inside epochs (-1 otherwise): it tells `best` inside an epoch.
  bool by_steps_;
  int64_t best_step_ = -1;
};

}  // namespace hearth
