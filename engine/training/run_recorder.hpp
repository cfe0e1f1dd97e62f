// The run recorder: where a training run's epochs are written down. Each epoch's row goes to
// metrics.csv and TensorBoard (record phase); after the checkpoint, run.json says how far the
// run got, how long each epoch took and its best value; finish() gives the run its end status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>


#include "engine/runs/metrics_table.hpp"
#include "engine/runs/run_folder.hpp"
#include "engine/runs/tensorboard_writer.hpp"
#include "engine/training/epoch_observer.hpp"

namespace hearth {

/// Which losses and metrics have columns of their own, for run.json (the plots read them).
struct ColumnNames {
  std::vector<std::string> losses;  ///< empty when the job has one loss
  std::vector<std::string> metrics;
};

class RunRecorder final : public EpochObserver {
 public:
  /// Starts recording into `run`: marks it running and, on resume, keeps metrics.csv's rows
  /// through epoch `resumed_through` (-1: a new run) and valid_steps.csv's through step
  /// `resumed_step`. `step_validations`: the job validates inside epochs (valid_steps.csv).
  RunRecorder(RunFolder& run, const MonitorPlan& plan, const ColumnNames& names, int64_t resumed_through,
              int64_t resumed_step = -1, bool step_validations = false);

  void record(const EpochReport& report) override;
  /// valid_steps.csv's row ("step,epoch,batch,valid.loss,..."); TensorBoard's valid_steps/* by step.
  void record_validation(const StepValidation& v) override;
  void after_checkpoint(const EpochReport& report) override;
  /// run.json's best, when a validation inside an epoch improved it.
  void after_checkpoint_validation(const StepValidation& v) override;
  /// The run ended with `status` (completed, stopped_early, interrupted, pruned; failed with `error`).
  void finish(RunStatus status, const std::string& error = {});
  /// The run's TensorBoard file, which diagnostics write their pictures and numbers into too.
  TensorBoardWriter& tensorboard() { return tensorboard_; }
  /// TensorBoard's HParams records: the job's keys, against the best monitored value so far
  /// (scalar best/<monitor>, written each epoch). finish() closes the session.
  void start_hparams(const std::vector<HParam>& params);

 private:
  std::string best_tag() const;

  RunFolder& run_;
  MonitorPlan plan_;
  MetricsTableWriter csv_;
  std::optional<MetricsTableWriter> steps_csv_;
  TensorBoardWriter tensorboard_;
};

}  // namespace hearth
