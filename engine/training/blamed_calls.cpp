#include "engine/training/blamed_calls.hpp"

#include <c10/core/ScalarType.h>

#include "engine/core/error.hpp"

namespace hearth {
namespace {

/// Who made the batch: the dataset, or the program that embeds Hearth (hosts/embed) when none.
std::string data_name(const JobModules& m) { return m.data ? m.data->identity().text : std::string("the program's arrays"); }

/// Throws PluginError unless every loss requires grad: blames the model when none of its outputs
/// does (detached outputs), else the first loss whose value does not. One loss without gradient
/// beside others with it would otherwise be trained on silently, as a constant.
void require_gradients(const JobModules& m, const std::vector<at::Tensor>& outputs, const BatchLoss& loss) {
  bool any = false;
  for (const at::Tensor& o : outputs) any |= o.defined() && o.requires_grad();
  if (!any)
    throw PluginError(m.model->identity().text + ": forward returned outputs that do not require grad (detached, made "
                      "under no_grad, or from .data), so training cannot reach the model's parameters");
  for (size_t i = 0; i < loss.values.size(); ++i)
    if (!loss.values[i].requires_grad())
      throw PluginError(m.losses[i]->identity().text + ", " + m.losses[i].table + ": forward returned " +
                        shapes_text({loss.values[i]}) + " that does not require grad (detached, made under no_grad, or of an "
                        "integer type), so it cannot train the model; compute it from the model's outputs with "
                        "differentiable operations");
}

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
  if (training) require_gradients(m, outputs, loss);
  return loss;
}

void metrics_blamed(JobModules& m, const std::vector<at::Tensor>& outputs, const std::vector<at::Tensor>& targets) {
  try {
    update_metrics(m.metrics, outputs, targets);
  } catch (const PluginError& e) {
    throw PluginError(std::string(e.what()) + "\n  it was given the outputs of " + m.model->identity().text + ": " +
                      shapes_text(outputs) + "\n  and the targets of " + data_name(m) + ": " + shapes_text(targets));
  }
}

}  // namespace hearth
