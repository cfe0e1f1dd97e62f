// `cross_entropy`: classification loss over logits, probabilities or log-probabilities.
#include <hearth/plugin.hpp>

#include "../common/class_scores.hpp"

namespace {

class CrossEntropy : public hearth::Loss {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::string("input", "auto").choices({"auto", "logits", "probabilities", "log_probabilities"}).doc(
            "What the model outputs; auto detects, on the first batch, rows that are probabilities or log-probabilities"),
        hearth::Param::numbers("weights", {}).min(0).doc("Weight per class (empty: all 1)"),
        hearth::Param::number("label_smoothing", 0.0).range(0, 1).doc("Share of the target spread over all classes"),
        hearth::Param::integer("ignore_index", -100).doc("Targets of this value count for nothing (padding)"),
    };
  }
  explicit CrossEntropy(const hearth::Params& p)
      : input_(p.get<std::string>("input")),
        weights_(p.get<std::vector<double>>("weights")),
        smoothing_(p.get<double>("label_smoothing")),
        ignore_index_(p.get<int64_t>("ignore_index")) {}

  torch::Tensor forward(const hearth::TensorList& outputs, const hearth::TensorList& targets) override {
    const auto [out, target] = hearth_builtin::flatten_class_scores(outputs.at(0), targets.at(0), "cross_entropy");
    torch::Tensor weight;
    if (!weights_.empty()) {
      if (static_cast<int64_t>(weights_.size()) != out.size(1))
        throw std::invalid_argument("cross_entropy has " + std::to_string(weights_.size()) + " weights for " +
                                    std::to_string(out.size(1)) + " classes");
      weight = torch::tensor(weights_, torch::kFloat32).to(out.device());
    }
    torch::Tensor logits = out.to(torch::kFloat32);
    // A model's outputs do not change kind between batches: detect once, not every step.
    if (input_ == "auto") input_ = detect(logits);
    const std::string& kind = input_;
    if (kind == "probabilities") logits = logits.clamp_min(1e-12).log();
    // log-probabilities are valid logits: log_softmax leaves them unchanged.
    return torch::cross_entropy_loss(logits, target, weight, at::Reduction::Mean, ignore_index_, smoothing_);
  }

 private:
  static std::string detect(const torch::Tensor& x) {
    torch::NoGradGuard no_grad;
    torch::Tensor sums = x.sum(1);
    if (x.min().item<double>() >= 0 && (sums - 1).abs().max().item<double>() < 1e-3) return "probabilities";
    if (x.max().item<double>() <= 0 && (x.exp().sum(1) - 1).abs().max().item<double>() < 1e-3) return "log_probabilities";
    return "logits";
  }
  std::string input_;
  std::vector<double> weights_;
  double smoothing_;
  int64_t ignore_index_;
};

}  // namespace

HEARTH_REGISTER(CrossEntropy, "cross_entropy", "Cross entropy for classification",
                "Outputs [N, classes] against int64 class targets [N]; sequences [B, T, classes] against\n"
                "[B, T] (each position a prediction; GPT-style language models); [N, classes, d...] against\n"
                "[N, d...] (segmentation). Works on logits, probabilities or log-probabilities (detected from\n"
                "the rows, or set with `input`), with optional class weights, label smoothing, and targets\n"
                "equal to `ignore_index` left out of the mean.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
