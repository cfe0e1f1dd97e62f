// Shared by the built-in diagnostics that judge classes (header-only, plugin side): the model's
// predicted class and the true class of each of the diagnostic's samples.
#pragma once

#include <hearth/plugin.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "model_output.hpp"

namespace hearth_builtin {

/// True and predicted class per sample, and the outputs the model gave.
struct ClassPredictions {
  std::vector<int64_t> truth, predicted;
  torch::Tensor scores;  ///< output `output`, [samples, classes], on the CPU
  size_t classes = 0;    ///< the dataset's, else one past the largest class seen
};

/// Runs the model on the samples (no gradients) and reads classes from output `output` (argmax
/// over dimension 1) and from the first target (an integer label or one-hot / scores).
inline ClassPredictions class_predictions(const hearth::DiagnosticInput& in, int64_t output) {
  const int64_t target = in.target_index();
  if (target < 0) throw std::invalid_argument("the samples have no tensor with the target role to compare with");
  hearth::TensorList outputs;
  {
    torch::NoGradGuard no_grad;
    outputs = in.forward(in.inputs());
  }
  ClassPredictions p;
  p.scores = model_output(outputs, output).detach().to(torch::kCPU).to(torch::kFloat32);
  if (p.scores.dim() != 2) throw std::invalid_argument("output " + std::to_string(output) + " is not [samples, classes]");
  torch::Tensor labels = in.samples()[static_cast<size_t>(target)];
  labels = labels.dim() >= 2 ? labels.reshape({labels.size(0), -1}).argmax(1) : labels.reshape({-1});
  torch::Tensor guess = p.scores.argmax(1).to(torch::kInt64).contiguous();
  labels = labels.to(torch::kInt64).contiguous();
  p.truth.assign(labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + labels.numel());
  p.predicted.assign(guess.data_ptr<int64_t>(), guess.data_ptr<int64_t>() + guess.numel());
  p.classes = std::max<size_t>(in.class_names().size(), static_cast<size_t>(p.scores.size(1)));
  for (int64_t c : p.truth) {
    if (c < 0) throw std::invalid_argument("negative class index " + std::to_string(c));
    p.classes = std::max(p.classes, static_cast<size_t>(c) + 1);
  }
  return p;
}

}  // namespace hearth_builtin
