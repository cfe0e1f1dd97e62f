// Weight averaging ([train] ema): an exponential moving average of the model's parameters and
// floating-point buffers (integer buffers, such as batch norm's count, are copied), updated after
// every optimizer step, as Lightning's, MMEngine's and Composer's EMA do. Validation, the best
// checkpoint, eval, export and diagnostics see the average: the loop swaps it into the model
// between epochs and out again before training goes on.
#pragma once

#include <ATen/Tensor.h>

#include <cstdint>
#include <vector>

#include "engine/runtime/modules/model_module.hpp"

namespace hearth {

class WeightAverage {
 public:
  /// Averages `model`'s state tensors (plugin ABI 1.4: they share the model's storage) with
  /// `decay` per step after `start` steps.
  WeightAverage(ModelModule& model, double decay, int64_t start);

  /// After optimizer step `step` (1-based): the average moves towards the weights.
  void update(int64_t step);
  /// Exchanges the model's weights and the average; in_model() tells which the model holds.
  void swap();
  bool in_model() const { return in_model_; }
  /// The average becomes what the model holds now (a resume: the checkpoint's average was loaded
  /// into the model).
  void take_from_model();

 private:
  std::vector<at::Tensor> live_;     ///< the model's own tensors
  std::vector<at::Tensor> average_;  ///< the average, or the weights while swapped
  double decay_;
  int64_t start_;
  bool in_model_ = false;
};

}  // namespace hearth
