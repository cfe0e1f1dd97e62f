// One training batch: forward (bf16 autocast when asked), the job's losses, backward through the
// parallel strategy, gradient accumulation, clipping, the NaN policy, the optimizer step and a
// per-batch schedule. The metrics and the epoch's tally see the batch too.
#pragma once

#include <ATen/Tensor.h>

#include <cstdint>
#include <vector>

#include "engine/jobs/epoch_tally.hpp"

namespace hearth {

class Session;

/// What one batch did.
struct StepResult {
  bool skipped = false;  ///< its loss was not finite and nan_policy = "skip" dropped it
  double loss = 0;       ///< the loss every rank agreed on
  bool stop = false;     ///< an interrupt asks training to stop after it
};

class TrainStep {
 public:
  /// Trains `session`'s model with its optimizer, scheduler and parallel strategy.
  explicit TrainStep(Session& session);

  /// An epoch starts: accumulation starts over.
  void start_epoch() { micro_ = 0; }
  /// Batch `batch` (0-based) of `batches` in epoch `epoch`, already on the device. Throws Error on
  /// a non-finite loss unless the job skips those steps.
  StepResult run(const std::vector<at::Tensor>& inputs, const std::vector<at::Tensor>& targets, int64_t samples,
                 int64_t epoch, int64_t batch, int64_t batches, EpochTally& tally);

 private:
  /// Clipping, the optimizer's step and a per-batch schedule, after the last accumulated batch.
  void apply_gradients();

  Session& session_;
  int64_t micro_ = 0;  ///< batches accumulated since the last optimizer step
};

}  // namespace hearth
