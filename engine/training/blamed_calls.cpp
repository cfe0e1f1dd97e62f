#include "engine/training/blamed_calls.hpp"

#include <c10/core/ScalarType.h>

#include "engine/core/error.hpp"

namespace hearth {
namespace {

std::string data_name(const JobModules& m) { return m.data ? m.data->identity().text : std::string("the job's dataset"); }

}  // namespace

std::string shapes_text(const std::vector<at::Tensor>& tensors) {
  std::string out;
  for (const at::Tensor& t : tensors) {
    if (!out.empty()) out += ", ";
    if (!t.defined()) {
      out += "(undefined)";
      continue;
    }
    out += "[";
    for (int64_t d = 0; d < t.dim(); ++d) out += (d ? ", " : "") + std::to_string(t.size(d));
    out += "] " + std::string(c10::toString(t.scalar_type()));
  }
  return out.empty() ? "none" : out;
}

std::vector<at::Tensor> forward_blamed(JobModules& m, const std::vector<at::Tensor>& inputs) {
  try {
    return m.model->forward(inputs);
  } catch (const PluginError& e) {
    throw PluginError(std::string(e.what()) + "\n  it was given the inputs of " + data_name(m) + ": " +
                      shapes_text(inputs));
  }
}

BatchLoss losses_blamed(JobModules& m, const std::vector<at::Tensor>& outputs, const std::vector<at::Tensor>& targets,
                        bool training) {
  BatchLoss loss;
  try {
    loss = compute_losses(m.losses, outputs, targets);
  } catch (const PluginError& e) {
    throw PluginError(std::string(e.what()) + "\n  it was given the outputs of " + m.model->identity().text + ": " +
                      shapes_text(outputs) + "\n  and the targets of " + data_name(m) + ": " + shapes_text(targets));
  }
  if (training && !loss.total.requires_grad()) {
    bool any = false;
    for (const at::Tensor& o : outputs) any |= o.defined() && o.requires_grad();
    if (!any)
      throw PluginError(m.model->identity().text + ": forward returned outputs that do not require grad (detached, made "
                        "under no_grad, or from .data), so training cannot reach the model's parameters");
    throw PluginError("the job's losses returned a total that does not require grad: a loss must compute from the "
                      "model's outputs without detaching them (losses: " + std::to_string(m.losses.size()) + ")");
  }
  return loss;
}

}  // namespace hearth
