// Host-side wrapper of a model plugin object.
#pragma once

#include <ATen/Tensor.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/runtime/module_instance.hpp"
#include "engine/runtime/modules/archived_state.hpp"

namespace hearth {

class ModelModule : public ModuleInstance {
 public:
  using ModuleInstance::ModuleInstance;
  std::vector<at::Tensor> forward(const std::vector<at::Tensor>& inputs);
  /// (dotted name, parameter) pairs; the tensors share storage and grad with the model's.
  std::vector<std::pair<std::string, at::Tensor>> named_parameters();
  std::vector<at::Tensor> parameters();
  void train(bool on);
  void to_device(const std::string& device);
  std::string save_state();
  void load_state(const std::string& bytes);

  /// Every parameter and buffer under its state_dict name. ABI 1.4 plugins share storage with
  /// the model; older ones give the parameters themselves and copies of the buffers, read from
  /// their saved state.
  NamedTensors state();
  /// Whether the plugin says tracing forward is faithful (a plugin older than ABI 1.4 cannot say:
  /// true, and the trace is checked against the live model like every other).
  bool traceable();
  /// The model as a TorchScript archive when the plugin is TorchScript already; nullopt: trace it.
  std::optional<std::string> save_script();
  /// Copies `weights` into the model's tensors of the same names (same shapes, checked by the
  /// caller); names the model does not have are ignored.
  void assign_state(const NamedTensors& weights);

  /// The model's tap points as (name, what it is): none for a model that names none or a plugin
  /// older than ABI 1.5.
  std::vector<std::pair<std::string, std::string>> taps();
  /// forward, also returning the tensors at tap points `names` in that order (`tapped`).
  std::vector<at::Tensor> forward_tapped(const std::vector<at::Tensor>& inputs, const std::vector<std::string>& names,
                                         std::vector<at::Tensor>& tapped);
};

}  // namespace hearth
