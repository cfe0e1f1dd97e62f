// Host-side wrapper of a loss plugin object.
#pragma once

#include <ATen/Tensor.h>

#include <vector>

#include "engine/runtime/module_instance.hpp"

namespace hearth {

class LossModule : public ModuleInstance {
 public:
  using ModuleInstance::ModuleInstance;
  /// A 0-dim tensor connected to the outputs' autograd graph.
  at::Tensor forward(const std::vector<at::Tensor>& outputs, const std::vector<at::Tensor>& targets);
};

}  // namespace hearth
