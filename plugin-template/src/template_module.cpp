// template_module: a Hearth metric plugin. Rename freely; `hearth new` already did.
#include <hearth/plugin.hpp>

namespace {

/// Share of samples whose target class is among the k highest scores.
class TemplateModule : public hearth::Metric {
 public:
  /// The parameters a job may set in this module's table, with defaults and ranges.
  static hearth::Schema schema() {
    return {hearth::Param::integer("k", 3).min(1).doc("How many of the highest scores count as a hit")};
  }

  explicit TemplateModule(const hearth::Params& params) : k_(params.get<int64_t>("k")) {}

  void update(const hearth::TensorList& outputs, const hearth::TensorList& targets) override {
    const torch::Tensor& scores = outputs.at(0);  // [N, classes]
    torch::Tensor target = targets.at(0).reshape({-1, 1}).to(torch::kInt64);
    int64_t k = std::min<int64_t>(k_, scores.size(1));
    torch::Tensor top = std::get<1>(scores.topk(k, /*dim=*/1));
    hits_ += top.eq(target).any(1).sum().item<int64_t>();
    total_ += target.size(0);
  }
  double compute() override { return total_ ? static_cast<double>(hits_) / static_cast<double>(total_) : 0.0; }
  void reset() override { hits_ = total_ = 0; }
  bool higher_is_better() const override { return true; }

 private:
  int64_t k_;
  int64_t hits_ = 0;
  int64_t total_ = 0;
};

}  // namespace

HEARTH_REGISTER(TemplateModule, MODULE_NAME, "Share of samples whose target is among the k highest scores",
                "Compares integer class targets with the k largest of the model's scores.")
HEARTH_PACK(PLUGIN_NAME, PLUGIN_VERSION)
