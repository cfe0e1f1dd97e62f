// `mse`: mean squared error between the first output and the first target.
#include <hearth/plugin.hpp>

#include "../common/shape_text.hpp"

namespace {

class MseLoss : public hearth::Loss {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::string("reduction", "mean").choices({"mean", "sum"}).doc("How element errors are combined")};
  }
  explicit MseLoss(const hearth::Params& p) : sum_(p.get<std::string>("reduction") == "sum") {}

  torch::Tensor forward(const hearth::TensorList& outputs, const hearth::TensorList& targets) override {
    if (outputs.empty() || targets.empty()) throw std::invalid_argument("mse needs one output and one target");
    const torch::Tensor& out = outputs[0];
    torch::Tensor target = targets[0].to(out.dtype());
    if (target.sizes() != out.sizes()) {
      if (target.numel() != out.numel())
        throw std::invalid_argument("mse: output shape " + hearth_builtin::shape_text(out) + " and target shape " + hearth_builtin::shape_text(target) +
                                    " differ; the model's output must match the target element for element");
      target = target.reshape(out.sizes());
    }
    return torch::mse_loss(out, target, sum_ ? at::Reduction::Sum : at::Reduction::Mean);
  }

 private:
  bool sum_;
};

}  // namespace

HEARTH_REGISTER(MseLoss, "mse", "Mean squared error",
                "Squared difference between the model's first output and the first target, averaged\n"
                "(or summed) over all elements. The target is converted to the output's dtype.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
