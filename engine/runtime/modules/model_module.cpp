#include "engine/runtime/modules/model_module.hpp"

#include "engine/runtime/host_api.hpp"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <map>
#include <set>

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

std::vector<std::pair<std::string, std::string>> ModelModule::taps() {
  const hearth_model_functions& f = module_.tables->functions.model;
  if (f.tap_names == nullptr) return {};
  hearth_kv_sink sink;
  call("tap_names", f.tap_names, object_, &sink);
  return sink.items;
}

std::vector<at::Tensor> ModelModule::forward_tapped(const std::vector<at::Tensor>& inputs,
                                                    const std::vector<std::string>& names, std::vector<at::Tensor>& tapped) {
  tapped.clear();
  if (names.empty()) return forward(inputs);
  const hearth_model_functions& f = module_.tables->functions.model;
  if (f.forward_tapped == nullptr)
    throw PluginError(module_.label() + ": has no tap points (it was built before plugin ABI 1.5); rebuild it against this SDK");
  HandleArray in(inputs);
  std::vector<const char*> wanted;
  for (const std::string& n : names) wanted.push_back(n.c_str());
  hearth_tensor_list out, taken;
  call("forward_tapped", f.forward_tapped, object_, in.data(), in.size(), wanted.data(), wanted.size(), &out, &taken);
  tapped = tensors_of(taken);
  if (tapped.size() != names.size())
    throw PluginError(module_.label() + ": forward_tapped gave " + std::to_string(tapped.size()) + " tensors for " +
                      std::to_string(names.size()) + " tap points");
  std::vector<at::Tensor> outputs = tensors_of(out);
  if (outputs.empty()) throw PluginError(module_.label() + ": forward returned no outputs; a model returns one tensor or more");
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

NamedTensors ModelModule::state() {
  const hearth_model_functions& f = module_.tables->functions.model;
  if (f.state != nullptr) {
    hearth_tensor_list out;
    call("state", f.state, object_, &out);
    NamedTensors tensors;
    for (size_t i = 0; i < out.items.size(); ++i) tensors.emplace_back(out.names[i], out.items[i]->tensor);
    return tensors;
  }
  // The parameters themselves, so that a trace sees the tensors forward uses; buffers (batch-norm
  // statistics) as saved: a trace bakes the real ones in as constants.
  NamedTensors tensors = named_parameters();
  std::set<std::string> have;
  for (const auto& [name, t] : tensors) have.insert(name);
  for (auto& [name, t] : tensors_of_archive(save_state()))
    if (!have.count(name)) tensors.emplace_back(name, t);
  return tensors;
}

bool ModelModule::traceable() {
  const hearth_model_functions& f = module_.tables->functions.model;
  return f.traceable == nullptr || ask("traceable", f.traceable, object_) != 0;
}

std::optional<std::string> ModelModule::save_script() {
  const hearth_model_functions& f = module_.tables->functions.model;
  if (f.save_script == nullptr) return std::nullopt;
  hearth_bytes bytes;
  if (!check_optional(ask("save_script", f.save_script, object_, &bytes), "save_script")) return std::nullopt;
  return std::move(bytes.data);
}

void ModelModule::assign_state(const NamedTensors& weights) {
  std::map<std::string, at::Tensor> by_name(weights.begin(), weights.end());
  if (module_.tables->functions.model.state == nullptr) {
    // No shared handles: merge into the saved state and load it back the plugin's own way.
    NamedTensors merged = tensors_of_archive(save_state());
    for (auto& [name, t] : merged)
      if (auto it = by_name.find(name); it != by_name.end()) t = it->second.to(t.device(), t.scalar_type());
    load_state(archive_of_tensors(merged));
    return;
  }
  c10::NoGradGuard no_grad;
  for (auto& [name, t] : state())
    if (auto it = by_name.find(name); it != by_name.end()) t.copy_(it->second);
}

}  // namespace hearth
