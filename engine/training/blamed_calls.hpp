// The model's forward and the job's losses and metrics on one batch, with the blame a failure
// needs: the model's error is shown the inputs it was given and the dataset that made them, a
// loss's or metric's error the output and target shapes and who made them. Training and evaluation call these alike.
#pragma once

#include <ATen/Tensor.h>

#include <string>
#include <vector>

#include "engine/jobs/job_modules.hpp"

namespace hearth {

/// "[32, 3] float, [32] long"; "none" for no tensors.
std::string shapes_text(const std::vector<at::Tensor>& tensors);

/// `m.model` on one batch; a PluginError gains the inputs' shapes and the dataset's name.
std::vector<at::Tensor> forward_blamed(JobModules& m, const std::vector<at::Tensor>& inputs);

/// `m.losses` on one batch. A loss that fails is shown what it was given and by whom; in training
/// (`training`), a loss value without gradient is blamed on the model (when its outputs are
/// detached) or on that loss, named with its table.
BatchLoss losses_blamed(JobModules& m, const std::vector<at::Tensor>& outputs, const std::vector<at::Tensor>& targets,
                        bool training);

/// `m.metrics` fed one batch; a metric that fails is shown what it was given and by whom, as a loss.
void metrics_blamed(JobModules& m, const std::vector<at::Tensor>& outputs, const std::vector<at::Tensor>& targets);

}  // namespace hearth
