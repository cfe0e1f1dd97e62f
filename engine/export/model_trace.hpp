// A model plugin as a TorchScript module: its forward traced on a real batch, its parameters and
// buffers held as attributes under their state_dict names (nested submodules, so Python's
// `state_dict()` of the loaded module names them as the plugin does).
#pragma once

#include <ATen/Tensor.h>
#include <torch/csrc/jit/api/module.h>

#include <string>
#include <vector>

#include "engine/runtime/modules/model_module.hpp"

namespace hearth {

/// Traces `model.forward` on `example` (tensors on the model's device) with `input_names` as the
/// forward's argument names. The model should be in eval mode. A forward with one output returns a
/// tensor, with several a tuple. Throws Error naming the model when tracing fails.
torch::jit::Module trace_model(ModelModule& model, const std::vector<at::Tensor>& example,
                               const std::vector<std::string>& input_names);

/// `name` made a Python identifier (letters, digits, underscores; not starting with a digit).
std::string identifier_of(const std::string& name);

}  // namespace hearth
