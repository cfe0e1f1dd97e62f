#include "engine/runtime/modules/dataset_module.hpp"

#include "engine/runtime/host_api.hpp"

namespace hearth {

DatasetModule::DatasetModule(ModuleRef module, ParamValues params) : ModuleInstance(module, std::move(params)) {
  size_t n = ask("tensor_count", f().tensor_count, object_);
  for (size_t i = 0; i < n; ++i) {
    const char* name = ask("tensor_name", f().tensor_name, object_, i);
    names_.emplace_back(name ? name : "");
    roles_.push_back(ask("tensor_role", f().tensor_role, object_, i));
  }
  size_t c = ask("class_count", f().class_count, object_);
  for (size_t i = 0; i < c; ++i) {
    const char* name = ask("class_name", f().class_name, object_, i);
    classes_.emplace_back(name ? name : "");
  }
}

int64_t DatasetModule::size(hearth_split split) const {
  int64_t n = 0;
  call("size", f().size, object_, split, &n);
  return n;
}

std::vector<at::Tensor> DatasetModule::get(hearth_split split, int64_t index) const {
  hearth_tensor_list out;
  call("get", f().get, object_, split, index, &out);
  if (out.items.size() != names_.size())
    throw PluginError(module_.label() + ": get returned " + std::to_string(out.items.size()) + " tensors but the dataset declares " +
                      std::to_string(names_.size()));
  return tensors_of(out);
}

std::optional<std::vector<at::Tensor>> DatasetModule::get_batch(hearth_split split,
                                                                 const std::vector<int64_t>& indices) const {
  if (f().get_batch == nullptr) return std::nullopt;
  hearth_tensor_list out;
  if (!check_optional(ask("get_batch", f().get_batch, object_, split, indices.data(), indices.size(), &out), "get_batch"))
    return std::nullopt;
  return tensors_of(out);
}

}  // namespace hearth
