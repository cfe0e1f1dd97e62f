#include "engine/training/checkpointer.hpp"

#include <cmath>

#include "engine/jobs/crash_handler.hpp"
#include "engine/jobs/session.hpp"

namespace hearth {

Checkpointer::Checkpointer(Session& session, RunFolder* run, const MonitorPlan& plan, const CheckpointState* resumed)
    : session_(session),
      run_(run),
      plan_(plan),
      min_delta_(session.options().train.min_delta),
      by_steps_(session.options().train.validate_every_steps > 0) {
  if (!resumed) return;
  best_ = resumed->best;
  has_best_ = resumed->has_best;
  best_epoch_ = resumed->best_epoch;
  bad_epochs_ = resumed->bad_epochs;
  best_step_ = resumed->best_step;
}

bool Checkpointer::weigh(std::optional<double> value, int64_t epoch, int64_t step) {
  if (!value || !std::isfinite(*value)) return false;
  const bool improved = !has_best_ || (plan_.maximize ? *value > best_ + min_delta_ : *value < best_ - min_delta_);
  if (improved) {
    best_ = *value;
    has_best_ = true;
    best_epoch_ = epoch;
    best_step_ = by_steps_ ? step : -1;
    bad_epochs_ = 0;
  } else {
    ++bad_epochs_;
  }
  return improved;
}

std::optional<BestSoFar> Checkpointer::best_so_far() const {
  if (!has_best_) return std::nullopt;
  return BestSoFar{best_, best_epoch_, best_step_ >= 0 ? std::optional<int64_t>(best_step_) : std::nullopt};
}

void Checkpointer::judge(EpochReport& report) {
  report.improved = weigh(report.monitored, report.epoch + 1, report.step);
  report.best = best_so_far();
  report.bad_epochs = bad_epochs_;
}

void Checkpointer::judge_validation(StepValidation& v) {
  v.improved = weigh(v.monitored, v.epoch + 1, v.step);
  v.best = best_so_far();
  v.bad_validations = bad_epochs_;
}

void Checkpointer::checkpoint(const EpochReport& report) {
  save_last(report.epoch + 1, 0);
  // A kill before this completes leaves `last` saying it is the best: resume repairs `best`.
  if (report.improved && run_) copy_checkpoint(run_->checkpoint(CheckpointName::last), run_->checkpoint(CheckpointName::best));
}

void Checkpointer::interrupted(int64_t epoch, int64_t batches_done) { save_last(epoch, batches_done); }

void Checkpointer::checkpoint_validation(const StepValidation& v) {
  save_last(v.epoch, v.batches_done);
  if (v.improved && run_) copy_checkpoint(run_->checkpoint(CheckpointName::last), run_->checkpoint(CheckpointName::best));
}

void Checkpointer::save_last(int64_t epochs_done, int64_t batch_in_epoch) {
  if (run_) {
    CheckpointState state = session_.save_state();
    state.epoch = epochs_done;
    state.batch_in_epoch = batch_in_epoch;
    state.best = best_;
    state.has_best = has_best_;
    state.best_epoch = best_epoch_;
    state.bad_epochs = bad_epochs_;
    state.best_step = best_step_;
    save_checkpoint(run_->checkpoint(CheckpointName::last), state);
  }
  // Also on a rank that writes none, for its crash record: rank 0 writes the checkpoint before
  // its next step, which this rank cannot finish without it.
  note_checkpoint_epoch(epochs_done);
}

}  // namespace hearth
