// binary_cross_entropy, nll, mae and smooth_l1: LibTorch's loss functions, with targets shaped and typed to match.
#include <hearth/plugin.hpp>

#include "../common/class_scores.hpp"

namespace {

/// The target, shaped and typed like the output (element-wise losses).
torch::Tensor matching_target(const std::string& loss, const torch::Tensor& out, const torch::Tensor& target) {
  if (target.numel() != out.numel())
    throw std::invalid_argument(loss + ": output shape " + hearth_builtin::shape_text(out) + " and target shape " + hearth_builtin::shape_text(target) +
                                " differ; the model's output must match the target element for element");
  return target.to(out.device(), out.scalar_type()).reshape(out.sizes());
}

class BinaryCrossEntropy : public hearth::Loss {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::string("input", "logits").choices({"logits", "probabilities"}).doc(
                "Whether the model outputs logits or probabilities in [0, 1]"),
            hearth::Param::number("pos_weight", 1.0).min(0).doc("Weight of positive targets (logits only)")};
  }
  explicit BinaryCrossEntropy(const hearth::Params& p)
      : logits_(p.get<std::string>("input") == "logits"), pos_weight_(p.get<double>("pos_weight")) {}
  torch::Tensor forward(const hearth::TensorList& outputs, const hearth::TensorList& targets) override {
    torch::Tensor out = outputs.at(0).to(torch::kFloat32);
    torch::Tensor target = matching_target("binary_cross_entropy", out, targets.at(0));
    if (logits_) {
      torch::Tensor pw = torch::full({1}, pos_weight_, out.options());
      return torch::binary_cross_entropy_with_logits(out, target, {}, pw);
    }
    if (out.min().item<double>() < 0 || out.max().item<double>() > 1)
      throw std::invalid_argument("binary_cross_entropy with input = \"probabilities\" needs outputs in [0, 1]; "
                                  "use input = \"logits\" for raw scores");
    return torch::binary_cross_entropy(out, target);
  }

 private:
  bool logits_;
  double pos_weight_;
};

class Nll : public hearth::Loss {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::integer("ignore_index", -100).doc("Targets of this value count for nothing (padding)")};
  }
  explicit Nll(const hearth::Params& p) : ignore_index_(p.get<int64_t>("ignore_index")) {}
  torch::Tensor forward(const hearth::TensorList& outputs, const hearth::TensorList& targets) override {
    const auto [out, target] = hearth_builtin::flatten_class_scores(outputs.at(0), targets.at(0), "nll");
    return torch::nll_loss(out, target, {}, at::Reduction::Mean, ignore_index_);
  }

 private:
  int64_t ignore_index_;
};

class Mae : public hearth::Loss {
 public:
  explicit Mae(const hearth::Params&) {}
  torch::Tensor forward(const hearth::TensorList& outputs, const hearth::TensorList& targets) override {
    const torch::Tensor& out = outputs.at(0);
    return torch::l1_loss(out, matching_target("mae", out, targets.at(0)));
  }
};

class SmoothL1 : public hearth::Loss {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::number("beta", 1.0).min(0).doc("Below this difference the loss is quadratic")};
  }
  explicit SmoothL1(const hearth::Params& p) : beta_(p.get<double>("beta")) {}
  torch::Tensor forward(const hearth::TensorList& outputs, const hearth::TensorList& targets) override {
    const torch::Tensor& out = outputs.at(0);
    return torch::smooth_l1_loss(out, matching_target("smooth_l1", out, targets.at(0)), at::Reduction::Mean, beta_);
  }

 private:
  double beta_;
};

}  // namespace

HEARTH_REGISTER(BinaryCrossEntropy, "binary_cross_entropy", "Binary cross entropy (logits or probabilities)",
                "Element-wise binary cross entropy between the first output and a 0/1 target of the same size.")
HEARTH_REGISTER(Nll, "nll", "Negative log likelihood of log-probabilities",
                "Outputs [N, classes] holding log-probabilities (e.g. after log_softmax) against class indices;\n"
                "[B, T, classes] against [B, T] and [N, classes, d...] against [N, d...] as cross_entropy takes\n"
                "them; targets equal to `ignore_index` left out.")
HEARTH_REGISTER(Mae, "mae", "Mean absolute error", "Mean of |output - target| over all elements.")
HEARTH_REGISTER(SmoothL1, "smooth_l1", "Smooth L1 (Huber-like) loss",
                "Quadratic below beta, linear above, averaged over all elements.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
