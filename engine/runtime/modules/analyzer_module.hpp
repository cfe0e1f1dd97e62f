// Host-side wrapper of an analyzer plugin object.
#pragma once

#include <ATen/Tensor.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/runtime/module_instance.hpp"

namespace hearth {

class AnalyzerModule : public ModuleInstance {
 public:
  using ModuleInstance::ModuleInstance;
  void start(const std::vector<std::string>& tensor_names, const std::vector<hearth_role>& roles,
             const std::vector<std::string>& class_names);
  void take(const std::vector<at::Tensor>& sample);
  void finish();
  /// nullopt when the analyzer offers no weights.
  std::optional<at::Tensor> class_weights();
  void report(cairo_t* cr, int width, int height);
  std::vector<std::pair<std::string, std::string>> summary();

 private:
  const hearth_analyzer_functions& f() const { return module_.tables->functions.analyzer; }
};

}  // namespace hearth
