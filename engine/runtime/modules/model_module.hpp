// Host-side wrapper of a model plugin object.
#pragma once

#include <ATen/Tensor.h>

#include <string>
#include <utility>
#include <vector>

#include "engine/runtime/module_instance.hpp"

namespace hearth {

class ModelModule : public ModuleInstance {
 public:
  using ModuleInstance::ModuleInstance;
  std::vector<at::Tensor> forward(const std::vector<at::Tensor>& inputs);
  /// (dotted name, parameter) pairs; the tensors share storage and grad with the model's.
  std::vector<std::pair<std::string, at::Tensor>> named_parameters();
  std::vector<at::Tensor> parameters();
  void train(bool on);
  void to_device(const std::string& device);
  std::string save_state();
  void load_state(const std::string& bytes);
};

}  // namespace hearth
