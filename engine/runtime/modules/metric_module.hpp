// Host-side wrapper of a metric plugin object.
#pragma once

#include <ATen/Tensor.h>

#include <vector>

#include "engine/runtime/module_instance.hpp"

namespace hearth {

class MetricModule : public ModuleInstance {
 public:
  using ModuleInstance::ModuleInstance;
  void update(const std::vector<at::Tensor>& outputs, const std::vector<at::Tensor>& targets);
  double compute();
  void reset();
  bool higher_is_better() const;
};

}  // namespace hearth
