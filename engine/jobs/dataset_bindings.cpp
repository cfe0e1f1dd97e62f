#include "engine/jobs/dataset_bindings.hpp"

#include "engine/core/error.hpp"
#include "engine/jobs/model_graph.hpp"

namespace hearth {
namespace {

ParamValue property_value(const std::string& name, const DatasetModule& data) {
  if (name == "classes") return static_cast<int64_t>(data.class_names().size());
  const std::vector<at::Tensor> inputs = example_inputs(data, 1);  // [1, ...] each
  if (inputs.empty()) throw UsageError(data.module().label() + ": its samples have no input tensor");
  const at::Tensor input = inputs[0][0];
  if (name == "input_features") return input.numel();
  return std::vector<int64_t>(input.sizes().begin(), input.sizes().end());
}

}  // namespace

const std::vector<DatasetProperty>& dataset_properties() {
  static const std::vector<DatasetProperty> all = {
      {"classes", HEARTH_PARAM_INT, "the number of classes the dataset names (a text dataset's vocabulary size)"},
      {"input_features", HEARTH_PARAM_INT, "values in one sample of the first input (784 for a 28x28 image)"},
      {"input_shape", HEARTH_PARAM_INT_LIST, "the shape of one sample of the first input ([1, 28, 28])"}};
  return all;
}

std::optional<DatasetProperty> find_dataset_property(const std::string& name) {
  for (const DatasetProperty& p : dataset_properties())
    if (p.name == name) return p;
  return std::nullopt;
}

bool needs_dataset_values(const Job& job) {
  bool needs = !job.model.from_dataset.empty();
  for (const auto* list : {&job.losses, &job.metrics})
    for (const ModuleSpec& s : *list) needs |= !s.from_dataset.empty();
  return needs;
}

ParamValues with_dataset_values(const ModuleSpec& spec, ParamValues params, const DatasetModule* data) {
  for (const auto& [key, name] : spec.from_dataset) {
    const std::string what = "[" + spec.table + "] " + key + " = \"dataset:" + name + "\"";
    if (data == nullptr) throw Error("internal error: " + what + " but the dataset is not open");
    ParamValue value = property_value(name, *data);
    const ParamInfo* info = spec.entry->info.param(key);
    if (const auto* n = std::get_if<int64_t>(&value)) {
      if (*n == 0 && name == "classes")
        throw UsageError(what + ", but dataset " + data->module().label() +
                         " names no classes; set the value itself (`hearth dataset JOB` shows the data)");
      if (info && ((info->min && *n < *info->min) || (info->max && *n > *info->max)))
        throw UsageError(what + " gives " + std::to_string(*n) + ", outside the range of " + spec.entry->info.name + "'s '" +
                         key + "'");
    }
    params.set(key, value);
  }
  return params;
}

}  // namespace hearth
