// Host-side wrapper of an optimizer plugin object.
#pragma once

#include <ATen/Tensor.h>

#include <string>
#include <vector>

#include "engine/runtime/module_instance.hpp"

namespace hearth {

class OptimizerModule : public ModuleInstance {
 public:
  using ModuleInstance::ModuleInstance;
  /// The parameters to optimize, with their names in the model's state when known (one each):
  /// an optimizer of plugin ABI 1.6 gets them (bind_named), an older one the tensors alone.
  void bind(const std::vector<at::Tensor>& parameters, const std::vector<std::string>& names = {});
  void step();
  void zero_grad();
  size_t group_count() const;
  double lr(size_t group) const;
  void set_lr(size_t group, double lr);
  std::vector<double> lrs() const;
  /// Tells an optimizer that cares (ABI 1.1) whether the model trains or is evaluated.
  void train(bool on);
  std::string save_state();
  void load_state(const std::string& bytes);
};

}  // namespace hearth
