// `adamw`: Adam with decoupled weight decay, on every parameter or on the matrices only (the
// way transformers are trained: biases and normalisation weights keep their values).
#include <hearth/plugin.hpp>

#include "fused_adam.hpp"

namespace {

class AdamW : public hearth::TorchOptimizerModule<torch::optim::AdamW> {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::number("lr", 0.001).min(0).doc("Learning rate"),
        hearth::Param::number("beta1", 0.9).range(0, 1).doc("Decay of the first moment"),
        hearth::Param::number("beta2", 0.999).range(0, 1).doc("Decay of the second moment"),
        hearth::Param::number("eps", 1e-8).min(0).doc("Term added to the denominator"),
        hearth::Param::number("weight_decay", 0.01).min(0).doc("Decoupled weight decay"),
        hearth::Param::string("decay", "all").choices({"all", "matrices"}).doc(
            "Which parameters decay: all, or matrices only (2 or more dimensions: weights and embeddings; "
            "biases and norms are left alone, in a second group)"),
        hearth::Param::boolean("amsgrad", false).doc("Use the AMSGrad variant"),
        hearth::Param::boolean("fused", true).doc(
            "Update each float32 CPU parameter in one pass (same formula; faster); false: torch::optim::AdamW"),
    };
  }
  explicit AdamW(const hearth::Params& p)
      : options_(torch::optim::AdamWOptions(p.get<double>("lr"))
                     .betas({p.get<double>("beta1"), p.get<double>("beta2")})
                     .eps(p.get<double>("eps"))
                     .weight_decay(p.get<double>("weight_decay"))
                     .amsgrad(p.get<bool>("amsgrad"))),
        matrices_only_(p.get<std::string>("decay") == "matrices"),
        fused_(p.get<bool>("fused")) {}

 protected:
  std::unique_ptr<torch::optim::AdamW> make(const hearth::TensorList& parameters) override {
    std::vector<torch::optim::OptimizerParamGroup> groups;
    if (!matrices_only_) {
      groups.emplace_back(parameters, std::make_unique<torch::optim::AdamWOptions>(options_));
    } else {
      hearth::TensorList matrices, others;
      for (const auto& t : parameters) (t.dim() >= 2 ? matrices : others).push_back(t);
      auto undecayed = std::make_unique<torch::optim::AdamWOptions>(options_);
      undecayed->weight_decay(0);
      if (!matrices.empty()) groups.emplace_back(matrices, std::make_unique<torch::optim::AdamWOptions>(options_));
      if (!others.empty()) groups.emplace_back(others, std::move(undecayed));
    }
    if (fused_) return std::make_unique<hearth_builtin::FusedAdamW>(groups, options_);
    return std::make_unique<torch::optim::AdamW>(groups, options_);
  }

 private:
  torch::optim::AdamWOptions options_;
  bool matrices_only_, fused_;
};

}  // namespace

HEARTH_REGISTER(AdamW, "adamw", "Adam with decoupled weight decay",
                "torch::optim::AdamW's update, fused into one pass per float32 CPU parameter. decay =\n"
                "\"matrices\" puts the parameters of two or more dimensions (Linear and convolution weights,\n"
                "embeddings) in one group that decays and the rest (biases, LayerNorm and BatchNorm weights) in\n"
                "a second group that does not, as nanoGPT trains GPTs; a schedule sets both groups' rates.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
