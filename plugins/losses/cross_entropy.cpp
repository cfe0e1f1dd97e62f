// `cross_entropy`: classification loss over logits, probabilities or log-probabilities.
#include <hearth/plugin.hpp>

namespace {

class CrossEntropy : public hearth::Loss {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::string("input", "auto").choices({"auto", "logits", "probabilities", "log_probabilities"}).doc(
            "What the model outputs; auto detects, on the first batch, rows that are probabilities or log-probabilities"),
        hearth::Param::numbers("weights", {}).min(0).doc("Weight per class (empty: all 1)"),
        hearth::Param::number("label_smoothing", 0.0).range(0, 1).doc("Share of the target spread over all classes"),
    };
  }
  explicit CrossEntropy(const hearth::Params& p)
      : input_(p.get<std::string>("input")),
        weights_(p.get<std::vector<double>>("weights")),
        smoothing_(p.get<double>("label_smoothing")) {}

  torch::Tensor forward(const hearth::TensorList& outputs, const hearth::TensorList& targets) override {
    const torch::Tensor& out = outputs.at(0);
    torch::Tensor target = targets.at(0).to(out.device());
    if (out.dim() != 2) throw std::invalid_argument("cross_entropy expects outputs [N, classes], got " + shape(out));
    if (target.dim() > 1) target = target.reshape({-1});
    if (target.size(0) != out.size(0))
      throw std::invalid_argument("cross_entropy: " + std::to_string(out.size(0)) + " outputs for " +
                                  std::to_string(target.size(0)) + " targets");
    target = target.to(torch::kInt64);
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
    return torch::cross_entropy_loss(logits, target, weight, at::Reduction::Mean, -100, smoothing_);
  }

 private:
  static std::string detect(const torch::Tensor& x) {
    torch::NoGradGuard no_grad;
    torch::Tensor sums = x.sum(1);
    if (x.min().item<double>() >= 0 && (sums - 1).abs().max().item<double>() < 1e-3) return "probabilities";
    if (x.max().item<double>() <= 0 && (x.exp().sum(1) - 1).abs().max().item<double>() < 1e-3) return "log_probabilities";
    return "logits";
  }
  static std::string shape(const torch::Tensor& t) {
    std::ostringstream os;
    os << t.sizes();
    return os.str();
  }
  std::string input_;
  std::vector<double> weights_;
  double smoothing_;
};

}  // namespace

HEARTH_REGISTER(CrossEntropy, "cross_entropy", "Cross entropy for classification",
                "Outputs [N, classes] against int64 class targets [N]. Works on logits, probabilities or\n"
                "log-probabilities (detected from the rows, or set with `input`), with optional class\n"
                "weights and label smoothing.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
