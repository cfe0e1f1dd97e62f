#include "engine/training/train_step.hpp"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <cmath>

#include "engine/core/error.hpp"
#include "engine/core/torch_compat.hpp"
#include "engine/jobs/crash_handler.hpp"
#include "engine/jobs/session.hpp"
#include "engine/training/blamed_calls.hpp"
#include "engine/training/parallel_strategy.hpp"

namespace hearth {
namespace {

/// bf16 autocast for the forward pass, where LibTorch offers it.
class AutocastScope {
 public:
  AutocastScope(bool on, const c10::Device& device) : on_(on), device_(device.type()) {
    if (on_) compat::set_autocast(device_, true, at::kBFloat16);
  }
  ~AutocastScope() {
    if (!on_) return;
    compat::set_autocast(device_, false, at::kBFloat16);
    at::autocast::clear_cache();
  }

 private:
  bool on_;
  c10::DeviceType device_;
};

std::string not_finite_text(double local_total) {
  return std::isfinite(local_total) ? "not finite on another rank" : std::isnan(local_total) ? "NaN" : "infinite";
}

}  // namespace

TrainStep::TrainStep(Session& session) : session_(session) {}

StepResult TrainStep::run(const std::vector<at::Tensor>& inputs, const std::vector<at::Tensor>& targets, int64_t samples,
                          int64_t epoch, int64_t batch, int64_t batches, EpochTally& tally) {
  const TrainOptions& t = session_.options().train;
  JobModules& m = session_.modules();
  std::vector<at::Tensor> outputs;
  BatchLoss loss;
  {
    AutocastScope autocast(t.bf16, session_.device());
    outputs = forward_blamed(m, inputs);
    loss = losses_blamed(m, outputs, targets, true);
  }
  const double local_total = loss.total.item<double>();
  const bool last_micro = micro_ + 1 == t.accumulate || batch + 1 == batches;
  const at::Tensor scaled = t.accumulate == 1 ? loss.total : loss.total / static_cast<double>(t.accumulate);
  // Backward runs the model's autograd functions: a crash there is the model's.
  const AgreedLoss agreed = session_.parallel().backward_and_agree(local_total, samples, last_micro, [&] {
    PluginCallScope in_model(m.model->identity(), "backward");
    scaled.backward();
  });
  StepCounters& counters = session_.counters();
  if (!agreed.finite) {
    if (!t.skip_nan)
      throw Error("the loss is " + not_finite_text(local_total) + " at epoch " + std::to_string(epoch + 1) + ", train batch " +
                  std::to_string(batch + 1) + " (step " + std::to_string(counters.step) +
                  "); lower the learning rate, clip gradients ([train] clip_norm) or set nan_policy = \"skip\"");
    ++counters.skipped;
    session_.optimizer().zero_grad();
    micro_ = 0;
    return {true, local_total, false};
  }
  ++micro_;
  if (last_micro) apply_gradients();
  metrics_blamed(m, outputs, targets);
  tally.add(loss, agreed.total, agreed.samples);
  return {false, agreed.total, session_.parallel().stop_after(agreed)};
}

void TrainStep::apply_gradients() {
  const TrainOptions& t = session_.options().train;
  std::vector<at::Tensor>& parameters = session_.parameters();
  if (t.clip_value > 0) torch::nn::utils::clip_grad_value_(parameters, t.clip_value);
  if (t.clip_norm > 0) torch::nn::utils::clip_grad_norm_(parameters, t.clip_norm);
  OptimizerModule& optimizer = session_.optimizer();
  optimizer.step();
  optimizer.zero_grad();
  micro_ = 0;
  ++session_.counters().step;
  if (WeightAverage* average = session_.average()) average->update(session_.counters().step);
  SchedulerModule* scheduler = session_.scheduler();
  if (scheduler && scheduler->interval() == HEARTH_STEP_BATCH) scheduler->step_and_apply(optimizer, std::nullopt);
}

}  // namespace hearth
