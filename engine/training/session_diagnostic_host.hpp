// What a running diagnostic may do with a training session: run its model, read its parameters,
// draw with the job's renderers, and hand back numbers and distributions.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/jobs/session.hpp"
#include "engine/runtime/modules/diagnostic_module.hpp"
#include "engine/runtime/modules/renderer_module.hpp"

namespace hearth {

class SessionDiagnosticHost final : public DiagnosticHost {
 public:
  SessionDiagnosticHost(Session& session, const DiagnosticSamples& samples);
  ~SessionDiagnosticHost() override;

  std::vector<at::Tensor> forward(const std::vector<at::Tensor>& inputs, const std::vector<std::string>& taps,
                                  std::vector<at::Tensor>& tapped) override;
  std::vector<std::pair<std::string, at::Tensor>> parameters() override;
  void render(cairo_t* cr, int width, int height, const at::Tensor& tensor, size_t tensor_index) override;
  void scalar(const std::string& name, double value) override;
  void histogram(const std::string& name, const at::Tensor& values) override;
  void save_tensor(const std::string& name, const at::Tensor& tensor) override;

  /// What the last run handed back, in the order given.
  std::vector<std::pair<std::string, double>> scalars;
  std::vector<std::pair<std::string, std::vector<double>>> histograms;
  std::vector<std::pair<std::string, std::string>> tensors;  ///< name, .npy bytes

 private:
  Session& session_;
  const DiagnosticSamples& samples_;
  std::map<size_t, std::unique_ptr<RendererModule>> renderers_;  ///< by tensor index, made on first use
  bool gradients_ready_ = false;  ///< parameters() has set the loss's gradients on these samples
};

}  // namespace hearth
