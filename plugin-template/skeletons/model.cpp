// template_module: a Hearth model plugin: an ordinary torch::nn::Module.
#include <hearth/plugin.hpp>

namespace {

class TemplateModule : public hearth::Model {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::integer("in_features", 4).min(1).doc("Input width"),
            hearth::Param::integer("out_features", 2).min(1).doc("Output width")};
  }
  explicit TemplateModule(const hearth::Params& params) {
    linear_ = register_module("linear", torch::nn::Linear(params.get<int64_t>("in_features"),
                                                          params.get<int64_t>("out_features")));
  }
  hearth::TensorList forward(const hearth::TensorList& inputs) override {
    return {linear_->forward(inputs.at(0).flatten(1))};
  }

 private:
  torch::nn::Linear linear_{nullptr};
};

}  // namespace

HEARTH_REGISTER(TemplateModule, MODULE_NAME, "Describe your model in one line", "Longer documentation.")
HEARTH_PACK(PLUGIN_NAME, PLUGIN_VERSION)
