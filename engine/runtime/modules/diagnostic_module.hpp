// Host-side wrapper of a diagnostic plugin object, and what the host offers it while it runs.
#pragma once

#include <ATen/Tensor.h>

#include <string>
#include <utility>
#include <vector>

#include "engine/runtime/module_instance.hpp"

namespace hearth {

/// What a running diagnostic may ask of the host (hearth_diagnostic_input's functions).
class DiagnosticHost {
 public:
  virtual ~DiagnosticHost() = default;
  /// The model on `inputs`, in evaluation mode with autograd on, and the tensors at `taps`.
  virtual std::vector<at::Tensor> forward(const std::vector<at::Tensor>& inputs, const std::vector<std::string>& taps,
                                          std::vector<at::Tensor>& tapped) = 0;
  virtual std::vector<std::pair<std::string, at::Tensor>> parameters() = 0;
  /// Draws one sample's tensor with the renderer of sample tensor `tensor_index` (past the
  /// sample's tensors: model output tensor_index - tensor count).
  virtual void render(cairo_t* cr, int width, int height, const at::Tensor& tensor, size_t tensor_index) = 0;
  virtual void scalar(const std::string& name, double value) = 0;
  virtual void histogram(const std::string& name, const at::Tensor& values) = 0;
  virtual void save_tensor(const std::string& name, const at::Tensor& tensor) = 0;
};

/// The fixed samples a diagnostic looks at, batched, with what describes them.
struct DiagnosticSamples {
  std::vector<at::Tensor> tensors;  ///< one per sample tensor, the samples along dimension 0
  std::vector<std::string> names;
  std::vector<hearth_role> roles;
  std::vector<std::string> classes;
};

class DiagnosticModule : public ModuleInstance {
 public:
  using ModuleInstance::ModuleInstance;
  /// The model tap points it reads.
  std::vector<std::string> taps();
  /// One run at `epoch` (1-based), its calls to the host going to `host`, then its picture on
  /// `cr` (width x height pixels): false when this diagnostic draws none.
  bool run(int64_t epoch, const DiagnosticSamples& samples, DiagnosticHost& host, cairo_t* cr, int width, int height);
};

}  // namespace hearth
