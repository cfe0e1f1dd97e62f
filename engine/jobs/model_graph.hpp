// The operations of one forward pass, read from the autograd graph of its outputs, grouped by the
// module that owns their parameters; drawn by engine/plots/graph_picture.hpp.
#pragma once

#include <ATen/Tensor.h>

#include <string>
#include <vector>

#include "engine/jobs/job.hpp"
#include "engine/plots/graph_picture.hpp"
#include "engine/runtime/modules/dataset_module.hpp"
#include "engine/runtime/modules/model_module.hpp"

namespace hearth {

/// Runs `model` in eval mode on `inputs` (with gradients, not kept) and walks the autograd graph
/// back from its outputs. Throws Error when no output depends on a parameter.
GraphPicture trace_model_graph(ModelModule& model, const std::vector<at::Tensor>& inputs, const std::string& title);

/// "model mlp (builtin) of job fashion-mnist-mlp": the title of graphs and summaries.
std::string model_title(const Job& job);

/// The input tensors of the first `n` samples of the dataset's train split, batched.
std::vector<at::Tensor> example_inputs(const DatasetModule& data, int64_t n);

}  // namespace hearth
