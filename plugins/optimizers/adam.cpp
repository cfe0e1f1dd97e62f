// `adam`: Adam, with optional AMSGrad and (L2) weight decay.
#include <hearth/plugin.hpp>

#include "fused_adam.hpp"

namespace {

class Adam : public hearth::TorchOptimizerModule<torch::optim::Adam> {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::number("lr", 0.001).min(0).doc("Learning rate"),
        hearth::Param::number("beta1", 0.9).range(0, 1).doc("Decay of the first moment"),
        hearth::Param::number("beta2", 0.999).range(0, 1).doc("Decay of the second moment"),
        hearth::Param::number("eps", 1e-8).min(0).doc("Term added to the denominator"),
        hearth::Param::number("weight_decay", 0.0).min(0).doc("L2 penalty"),
        hearth::Param::boolean("amsgrad", false).doc("Use the AMSGrad variant"),
        hearth::Param::boolean("fused", true).doc(
            "Update each float32 CPU parameter in one pass (same formula; faster); false: torch::optim::Adam"),
    };
  }
  explicit Adam(const hearth::Params& p)
      : options_(torch::optim::AdamOptions(p.get<double>("lr"))
                     .betas({p.get<double>("beta1"), p.get<double>("beta2")})
                     .eps(p.get<double>("eps"))
                     .weight_decay(p.get<double>("weight_decay"))
                     .amsgrad(p.get<bool>("amsgrad"))),
        fused_(p.get<bool>("fused")) {}

 protected:
  std::unique_ptr<torch::optim::Adam> make(const hearth::TensorList& parameters) override {
    if (fused_) return std::make_unique<hearth_builtin::FusedAdam>(parameters, options_);
    return std::make_unique<torch::optim::Adam>(parameters, options_);
  }

 private:
  torch::optim::AdamOptions options_;
  bool fused_;
};

}  // namespace

HEARTH_REGISTER(Adam, "adam", "Adam optimizer", "torch::optim::Adam over one parameter group.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
