#include "engine/runtime/modules/model_module.hpp"

#include "engine/runtime/host_api.hpp"

namespace hearth {

std::vector<at::Tensor> ModelModule::forward(const std::vector<at::Tensor>& inputs) {
  HandleArray in(inputs);
  hearth_tensor_list out;
  call("forward", module_.tables->functions.model.forward, object_, in.data(), in.size(), &out);
  std::vector<at::Tensor> outputs = tensors_of(out);
  if (outputs.empty()) throw PluginError(module_.label() + ": forward returned no outputs; a model returns one tensor or more");
  for (size_t i = 0; i < outputs.size(); ++i)
    if (!outputs[i].defined()) throw PluginError(module_.label() + ": forward returned an undefined tensor as output " + std::to_string(i));
  return outputs;
}

std::vector<std::pair<std::string, at::Tensor>> ModelModule::named_parameters() {
  hearth_tensor_list out;
  call("parameters", module_.tables->functions.model.parameters, object_, &out);
  std::vector<std::pair<std::string, at::Tensor>> params;
  for (size_t i = 0; i < out.items.size(); ++i) params.emplace_back(out.names[i], out.items[i]->tensor);
  return params;
}

std::vector<at::Tensor> ModelModule::parameters() {
  std::vector<at::Tensor> out;
  for (auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

void ModelModule::train(bool on) { call("train", module_.tables->functions.model.train, object_, on ? 1 : 0); }

void ModelModule::to_device(const std::string& device) {
  call("to_device", module_.tables->functions.model.to_device, object_, device.c_str());
}

std::string ModelModule::save_state() {
  hearth_bytes bytes;
  call("save_state", module_.tables->functions.model.save_state, object_, &bytes);
  return std::move(bytes.data);
}

void ModelModule::load_state(const std::string& bytes) {
  call("load_state", module_.tables->functions.model.load_state, object_, bytes.data(), bytes.size());
}

}  // namespace hearth
