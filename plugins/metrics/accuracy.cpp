// `accuracy`: share of correct predictions (argmax for class scores, threshold for one column).
#include <hearth/plugin.hpp>

#include "../common/class_scores.hpp"

namespace {

class Accuracy : public hearth::Metric {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::number("threshold", 0.5).doc(
                "Decision threshold when the output has a single column (binary or regression)"),
            hearth::Param::integer("ignore_index", -100).doc("Class targets of this value are not counted (padding)")};
  }
  explicit Accuracy(const hearth::Params& p) : threshold_(p.get<double>("threshold")), ignore_index_(p.get<int64_t>("ignore_index")) {}

  void update(const hearth::TensorList& outputs, const hearth::TensorList& targets) override {
    if (outputs.empty() || targets.empty()) throw std::invalid_argument("accuracy needs one output and one target");
    torch::Tensor out = outputs[0].detach();
    torch::Tensor target = targets[0].detach().reshape({-1});
    torch::Tensor predicted;
    if (out.dim() >= 3 || (out.dim() == 2 && out.size(1) > 1)) {
      const hearth_builtin::ClassScores s =
          hearth_builtin::without_ignored(hearth_builtin::flatten_class_scores(out, targets[0].detach(), "accuracy"), ignore_index_);
      predicted = s.scores.argmax(1);
      target = s.targets;
    } else {
      predicted = (out.reshape({-1}) > threshold_).to(torch::kInt64);
      target = (target.to(torch::kFloat64) > threshold_).to(torch::kInt64);
    }
    if (predicted.numel() != target.numel())
      throw std::invalid_argument("accuracy: " + std::to_string(predicted.numel()) + " predictions for " +
                                  std::to_string(target.numel()) + " targets");
    correct_ += predicted.eq(target.to(predicted.dtype())).sum().item<int64_t>();
    total_ += target.numel();
  }
  double compute() override { return total_ == 0 ? 0.0 : static_cast<double>(correct_) / static_cast<double>(total_); }
  void reset() override { correct_ = total_ = 0; }
  bool higher_is_better() const override { return true; }

 private:
  double threshold_;
  int64_t ignore_index_;
  int64_t correct_ = 0;
  int64_t total_ = 0;
};

}  // namespace

HEARTH_REGISTER(Accuracy, "accuracy", "Share of correct predictions",
                "For outputs of shape [N, C] with C > 1 the prediction is the argmax over C and is\n"
                "compared with an integer class target; sequences [B, T, C] against [B, T] and [N, C, d...]\n"
                "against [N, d...] count every position, except targets equal to `ignore_index`. For one\n"
                "column, outputs and targets are both thresholded.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
