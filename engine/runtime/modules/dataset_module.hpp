// Host-side wrapper of a dataset plugin object.
#pragma once

#include <ATen/Tensor.h>

#include <optional>
#include <string>
#include <vector>

#include "engine/runtime/module_instance.hpp"

namespace hearth {

class DatasetModule : public ModuleInstance {
 public:
  /// The most samples a split may have: the host keeps an index list (8 bytes a sample) per split.
  static constexpr int64_t kMaxSplitSamples = int64_t{1} << 31;
  DatasetModule(ModuleRef module, ParamValues params);
  int64_t size(hearth_split split) const;
  std::vector<at::Tensor> get(hearth_split split, int64_t index) const;
  /// nullopt when the plugin does not offer batch fetch.
  std::optional<std::vector<at::Tensor>> get_batch(hearth_split split, const std::vector<int64_t>& indices) const;
  const std::vector<std::string>& tensor_names() const { return names_; }
  const std::vector<hearth_role>& tensor_roles() const { return roles_; }
  const std::vector<std::string>& class_names() const { return classes_; }

 private:
  /// The dtype policy at the dataset boundary: dense real, integer or boolean tensors pass as
  /// they are (no conversion); anything else is refused naming the dataset and the tensor.
  void check_kinds(const std::vector<at::Tensor>& tensors, const char* entry) const;
  const hearth_dataset_functions& f() const { return module_.tables->functions.dataset; }
  std::vector<std::string> names_;
  std::vector<hearth_role> roles_;
  std::vector<std::string> classes_;
};

}  // namespace hearth
