#include "engine/training/session_diagnostic_host.hpp"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/autograd.h>

#include <algorithm>
#include <cmath>
#include <regex>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/data/npy_bytes.hpp"
#include "engine/jobs/renderer_choice.hpp"
#include "engine/training/blamed_calls.hpp"

namespace hearth {

namespace {

/// Names become CSV cells, TensorBoard tags and file names: plain ones only.
void check_name(const std::string& name, const char* what) {
  static const std::regex plain("[A-Za-z0-9_.-]{1,64}");
  if (!std::regex_match(name, plain))
    throw Error(std::string(what) + " name '" + printable(name) + "' is not [A-Za-z0-9_.-]{1,64}");
}

}  // namespace

SessionDiagnosticHost::SessionDiagnosticHost(Session& session, const DiagnosticSamples& samples)
    : session_(session), samples_(samples) {}

SessionDiagnosticHost::~SessionDiagnosticHost() = default;

std::vector<at::Tensor> SessionDiagnosticHost::forward(const std::vector<at::Tensor>& inputs,
                                                       const std::vector<std::string>& taps,
                                                       std::vector<at::Tensor>& tapped) {
  std::vector<at::Tensor> on_device;
  // .to() is differentiable: gradients reach inputs made on the CPU.
  for (const at::Tensor& t : inputs) on_device.push_back(t.to(session_.device()));
  at::AutoGradMode grad(true);
  return session_.model().forward_tapped(on_device, taps, tapped);
}

std::vector<std::pair<std::string, at::Tensor>> SessionDiagnosticHost::parameters() {
  std::vector<std::pair<std::string, at::Tensor>> params = session_.model().named_parameters();
  if (gradients_ready_) return params;
  // The optimizer has cleared the last step's gradients (zeros in LibTorch 1.13, none in 2.x), so
  // the gradients handed out are the job's loss's on these samples, with the weights as they are.
  // The observer puts the training's own back after the diagnostic.
  std::vector<at::Tensor> inputs, targets, leaves;
  for (size_t i = 0; i < samples_.tensors.size(); ++i) {
    if (samples_.roles[i] == HEARTH_ROLE_INPUT) inputs.push_back(samples_.tensors[i].to(session_.device()));
    if (samples_.roles[i] == HEARTH_ROLE_TARGET) targets.push_back(samples_.tensors[i].to(session_.device()));
  }
  for (const auto& p : params) leaves.push_back(p.second);
  at::AutoGradMode grad(true);
  JobModules& m = session_.modules();
  const BatchLoss loss = losses_blamed(m, forward_blamed(m, inputs), targets, true);
  const std::vector<at::Tensor> grads = torch::autograd::grad({loss.total}, leaves, {}, false, false, /*allow_unused=*/true);
  for (size_t i = 0; i < params.size(); ++i)
    params[i].second.mutable_grad() = grads[i].defined() ? grads[i] : at::zeros_like(params[i].second);
  gradients_ready_ = true;
  return params;
}

void SessionDiagnosticHost::render(cairo_t* cr, int width, int height, const at::Tensor& tensor, size_t tensor_index) {
  const size_t count = samples_.names.size();
  std::unique_ptr<RendererModule>& renderer = renderers_[tensor_index];
  if (!renderer) {
    // Model output k is the column render_step names "prediction" (k = 0) or "prediction.k".
    const std::string column = tensor_index < count ? samples_.names[tensor_index]
                               : tensor_index == count ? std::string("prediction")
                                                       : "prediction." + std::to_string(tensor_index - count);
    if (session_.job().registry == nullptr) throw Error("the job was loaded without its plugins");
    std::string chosen;
    renderer = job_renderer(*session_.job().registry, session_.job(), column, tensor, samples_.classes.size(), chosen);
  }
  RenderInputs in;
  in.tensor_index = tensor_index;
  in.class_names = samples_.classes;
  renderer->render(cr, width, height, tensor.detach().to(at::kCPU), in);
}

void SessionDiagnosticHost::scalar(const std::string& name, double value) {
  check_name(name, "a scalar's");
  scalars.emplace_back(name, value);
}

void SessionDiagnosticHost::histogram(const std::string& name, const at::Tensor& values) {
  check_name(name, "a histogram's");
  at::Tensor flat = values.detach().to(at::kCPU, at::kDouble).flatten().contiguous();
  std::vector<double> v(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
  v.erase(std::remove_if(v.begin(), v.end(), [](double d) { return !std::isfinite(d); }), v.end());
  histograms.emplace_back(name, std::move(v));
}

void SessionDiagnosticHost::save_tensor(const std::string& name, const at::Tensor& tensor) {
  check_name(name, "a saved tensor's");
  for (const auto& t : tensors)
    if (t.first == name) throw Error("a saved tensor named '" + name + "' twice in one run");
  tensors.emplace_back(name, npy_bytes(tensor.detach().to(at::kCPU).contiguous(), "saved tensor '" + name + "'"));
}

}  // namespace hearth
