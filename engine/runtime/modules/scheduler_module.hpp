// Host-side wrapper of a scheduler plugin object. The scheduler computes rates; the caller
// applies them to the optimizer (see step_and_apply).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/runtime/module_instance.hpp"

namespace hearth {

class OptimizerModule;

class SchedulerModule : public ModuleInstance {
 public:
  using ModuleInstance::ModuleInstance;
  void start(const std::vector<double>& base_lrs);
  hearth_step_interval interval() const;
  std::vector<double> step(std::optional<double> monitored, size_t group_count);
  double current_lr(size_t group) const;
  /// Steps and sets the optimizer's rates.
  void step_and_apply(OptimizerModule& optimizer, std::optional<double> monitored);
  std::string save_state();
  void load_state(const std::string& bytes);
};

}  // namespace hearth
