#include "engine/runtime/modules/loss_module.hpp"

#include "engine/runtime/host_api.hpp"

namespace hearth {

at::Tensor LossModule::forward(const std::vector<at::Tensor>& outputs, const std::vector<at::Tensor>& targets) {
  HandleArray out_handles(outputs), target_handles(targets);
  hearth_tensor* result = nullptr;
  call("forward", module_.tables->functions.loss.forward, object_, out_handles.data(), out_handles.size(), target_handles.data(),
                                               target_handles.size(), &result);
  if (result == nullptr) throw PluginError(module_.label() + ": forward returned no tensor");
  at::Tensor loss = result->tensor;
  delete result;
  if (!loss.defined() || loss.dim() != 0)
    throw PluginError(module_.label() + ": forward must return a 0-dim tensor");
  return loss;
}

}  // namespace hearth
