// `key = "dataset:PROPERTY"` in a module table: the key takes a property of the job's dataset
// (`vocab_size = "dataset:classes"`, `in_features = "dataset:input_features"`) once the dataset is
// open, so that a model's sizes never have to be copied by hand from `hearth dataset`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/jobs/job.hpp"
#include "engine/runtime/modules/dataset_module.hpp"

namespace hearth {

/// One property a key may take, the parameter type it fills and what it is.
struct DatasetProperty {
  std::string name;
  hearth_param_type type;
  std::string doc;
};

/// classes, input_features, input_shape.
const std::vector<DatasetProperty>& dataset_properties();

/// The property called `name`; nullopt for one Hearth does not know.
std::optional<DatasetProperty> find_dataset_property(const std::string& name);

/// Whether any module of `job` takes a dataset property: the dataset must then be open before
/// the model is made.
bool needs_dataset_values(const Job& job);

/// `params` with every key of `spec.from_dataset` set to its property of `data`; throws
/// UsageError naming the table, the key and the dataset when the dataset lacks the property (no
/// classes) or its value is outside the key's range.
ParamValues with_dataset_values(const ModuleSpec& spec, ParamValues params, const DatasetModule* data);

}  // namespace hearth
