#include "engine/runtime/modules/dataset_module.hpp"

#include "engine/core/byte_text.hpp"
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

void DatasetModule::check_kinds(const std::vector<at::Tensor>& tensors, const char* entry) const {
  for (size_t i = 0; i < tensors.size(); ++i) {
    const at::Tensor& t = tensors[i];
    const char* why = !t.defined()                          ? "an undefined tensor"
                      : t.layout() != at::kStrided          ? "a sparse or other non-dense tensor"
                      : t.is_complex()                      ? "complex numbers"
                      : c10::isQIntType(t.scalar_type())     ? "a quantized tensor"
                                                            : nullptr;
    if (why != nullptr)
      throw PluginError(module_.label() + ": " + entry + " returned tensor '" + printable(names_[i]) + "' as " + why +
                        (t.defined() ? std::string(" (") + c10::toString(t.scalar_type()) + ")" : std::string()) +
                        "; datasets give dense tensors of real numbers, integers or booleans (docs/sdk.md, \"Tensor types\")");
  }
}

int64_t DatasetModule::size(hearth_split split) const {
  int64_t n = 0;
  call("size", f().size, object_, split, &n);
  static const char* names[] = {"train", "valid", "test"};
  const std::string which = split >= 0 && split < 3 ? names[split] : std::to_string(split);
  if (n < 0)
    throw PluginError(module_.label() + ": size reported " + std::to_string(n) + " samples for the " + which +
                      " split; a size is 0 or more (a bug in the dataset plugin)");
  if (n > kMaxSplitSamples)
    throw PluginError(module_.label() + ": size reported " + std::to_string(n) + " samples for the " + which +
                      " split; Hearth indexes at most " + std::to_string(kMaxSplitSamples) +
                      " per split (its index lists alone would take " + std::to_string(n / (1 << 27)) +
                      " GB); check the dataset's parameters");
  return n;
}

std::vector<at::Tensor> DatasetModule::get(hearth_split split, int64_t index) const {
  hearth_tensor_list out;
  call("get", f().get, object_, split, index, &out);
  if (out.items.size() != names_.size())
    throw PluginError(module_.label() + ": get returned " + std::to_string(out.items.size()) + " tensors but the dataset declares " +
                      std::to_string(names_.size()));
  std::vector<at::Tensor> sample = tensors_of(out);
  check_kinds(sample, "get");
  return sample;
}

std::optional<std::vector<at::Tensor>> DatasetModule::get_batch(hearth_split split,
                                                                 const std::vector<int64_t>& indices) const {
  if (f().get_batch == nullptr) return std::nullopt;
  hearth_tensor_list out;
  if (!check_optional(ask("get_batch", f().get_batch, object_, split, indices.data(), indices.size(), &out), "get_batch"))
    return std::nullopt;
  std::vector<at::Tensor> batch = tensors_of(out);
  if (batch.size() != names_.size())
    throw PluginError(module_.label() + ": get_batch returned " + std::to_string(batch.size()) +
                      " tensors but the dataset declares " + std::to_string(names_.size()));
  for (size_t i = 0; i < batch.size(); ++i)
    if (!batch[i].defined() || batch[i].dim() == 0 || batch[i].size(0) != static_cast<int64_t>(indices.size()))
      throw PluginError(module_.label() + ": get_batch returned tensor '" + printable(names_[i]) + "' with " +
                        (batch[i].defined() && batch[i].dim() > 0 ? std::to_string(batch[i].size(0)) : std::string("no")) +
                        " samples for the " + std::to_string(indices.size()) + " asked");
  check_kinds(batch, "get_batch");
  return batch;
}

}  // namespace hearth
