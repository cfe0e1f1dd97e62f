#include "engine/training/weight_average.hpp"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "engine/core/error.hpp"

namespace hearth {

WeightAverage::WeightAverage(ModelModule& model, double decay, int64_t start) : decay_(decay), start_(start) {
  at::NoGradGuard no_grad;
  for (auto& [name, t] : model.state()) {
    live_.push_back(t);
    average_.push_back(t.detach().clone());
  }
  if (live_.empty()) throw Error("[train] ema: the model has no parameters or buffers to average");
}

void WeightAverage::update(int64_t step) {
  if (in_model_) throw Error("weight averaging: an optimizer step while the average is in the model");
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < live_.size(); ++i) {
    const at::Tensor& w = live_[i];
    if (step <= start_ || !at::isFloatingType(w.scalar_type())) average_[i].copy_(w);
    // average + (1 - decay) (w - average) = decay average + (1 - decay) w
    else average_[i].lerp_(w.detach(), 1.0 - decay_);
  }
}

void WeightAverage::swap() {
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < live_.size(); ++i) {
    at::Tensor held = live_[i].detach().clone();
    live_[i].detach().copy_(average_[i]);
    average_[i].copy_(held);
  }
  in_model_ = !in_model_;
}

void WeightAverage::take_from_model() {
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < live_.size(); ++i) average_[i].copy_(live_[i]);
}

}  // namespace hearth
