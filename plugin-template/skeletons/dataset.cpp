// template_module: a Hearth dataset plugin.
#include <hearth/plugin.hpp>

namespace {

/// Samples of (input, target). Replace the body of get() with reading your data.
class TemplateModule : public hearth::Dataset {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::integer("samples", 100).min(0).doc("Samples in the train split")};
  }
  explicit TemplateModule(const hearth::Params& params) : samples_(params.get<int64_t>("samples")) {}

  int64_t size(hearth::Split split) override { return split == hearth::Split::train ? samples_ : 0; }
  hearth::TensorList get(hearth::Split, int64_t index) override {
    torch::Tensor input = torch::full({4}, static_cast<float>(index));
    torch::Tensor target = torch::tensor(index % 2, torch::kInt64);
    return {input, target};
  }
  std::vector<hearth::TensorSpec> tensors() const override {
    return {{"input", HEARTH_ROLE_INPUT}, {"target", HEARTH_ROLE_TARGET}};
  }
  std::vector<std::string> classes() const override { return {"even", "odd"}; }

 private:
  int64_t samples_;
};

}  // namespace

HEARTH_REGISTER(TemplateModule, MODULE_NAME, "Describe your dataset in one line", "Longer documentation.")
HEARTH_PACK(PLUGIN_NAME, PLUGIN_VERSION)
