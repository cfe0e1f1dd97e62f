// template_module: a Hearth optimizer plugin wrapping a torch::optim class.
#include <hearth/plugin.hpp>

namespace {

class TemplateModule : public hearth::TorchOptimizerModule<torch::optim::Adam> {
 public:
  static hearth::Schema schema() { return {hearth::Param::number("lr", 0.001).min(0).doc("Learning rate")}; }
  explicit TemplateModule(const hearth::Params& params) : lr_(params.get<double>("lr")) {}

 protected:
  std::unique_ptr<torch::optim::Adam> make(const hearth::TensorList& parameters) override {
    return std::make_unique<torch::optim::Adam>(parameters, torch::optim::AdamOptions(lr_));
  }

 private:
  double lr_;
};

}  // namespace

HEARTH_REGISTER(TemplateModule, MODULE_NAME, "Describe your optimizer in one line", "Longer documentation.")
HEARTH_PACK(PLUGIN_NAME, PLUGIN_VERSION)
