// template_module: a Hearth loss plugin.
#include <hearth/plugin.hpp>

namespace {

/// Mean absolute error between the first output and the first target.
class TemplateModule : public hearth::Loss {
 public:
  static hearth::Schema schema() { return {hearth::Param::number("scale", 1.0).min(0).doc("Factor on the loss")}; }
  explicit TemplateModule(const hearth::Params& params) : scale_(params.get<double>("scale")) {}
  torch::Tensor forward(const hearth::TensorList& outputs, const hearth::TensorList& targets) override {
    const torch::Tensor& out = outputs.at(0);
    return scale_ * (out - targets.at(0).to(out.dtype()).reshape(out.sizes())).abs().mean();
  }

 private:
  double scale_;
};

}  // namespace

HEARTH_REGISTER(TemplateModule, MODULE_NAME, "Describe your loss in one line", "Longer documentation.")
HEARTH_PACK(PLUGIN_NAME, PLUGIN_VERSION)
