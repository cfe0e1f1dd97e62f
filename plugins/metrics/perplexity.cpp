// `perplexity` and `bits_per_token`: how well a model predicts the next token, from the mean
// negative log-likelihood of the targets under the model's class scores (logits or
// log-probabilities), over every counted position of the split.
#include <hearth/plugin.hpp>

#include <cmath>

#include "../common/class_scores.hpp"

namespace {

/// Sums the targets' negative log-likelihood and counts them; subclasses say what the mean becomes.
class MeanNll : public hearth::Metric {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::integer("ignore_index", -100).doc("Targets of this value are not counted (padding)")};
  }
  explicit MeanNll(const hearth::Params& p) : ignore_index_(p.get<int64_t>("ignore_index")) {}

  void update(const hearth::TensorList& outputs, const hearth::TensorList& targets) override {
    torch::NoGradGuard no_grad;
    const hearth_builtin::ClassScores s = hearth_builtin::without_ignored(
        hearth_builtin::flatten_class_scores(outputs.at(0).detach(), targets.at(0).detach(), name()), ignore_index_);
    if (s.targets.numel() == 0) return;
    // float64 sums: a split of millions of tokens adds up without losing the small ones.
    const torch::Tensor log_p = s.scores.to(torch::kFloat64).log_softmax(1);
    nll_ += -log_p.gather(1, s.targets.unsqueeze(1)).sum().item<double>();
    count_ += s.targets.numel();
  }
  void reset() override { nll_ = 0, count_ = 0; }
  bool higher_is_better() const override { return false; }

 protected:
  virtual const char* name() const = 0;
  double mean() const { return count_ ? nll_ / static_cast<double>(count_) : std::nan(""); }

 private:
  int64_t ignore_index_;
  double nll_ = 0;
  int64_t count_ = 0;
};

class Perplexity : public MeanNll {
 public:
  using MeanNll::MeanNll;
  double compute() override { return std::exp(mean()); }

 private:
  const char* name() const override { return "perplexity"; }
};

class BitsPerToken : public MeanNll {
 public:
  using MeanNll::MeanNll;
  double compute() override { return mean() / std::log(2.0); }

 private:
  const char* name() const override { return "bits_per_token"; }
};

}  // namespace

HEARTH_REGISTER(Perplexity, "perplexity", "exp of the mean negative log-likelihood per token (lower is better)",
                "exp(mean over positions of -log softmax(scores)[target]), over the whole split: the number of\n"
                "equally likely tokens the model hesitates between. Takes [N, classes], [B, T, classes] against\n"
                "[B, T], or [N, classes, d...] against [N, d...]; logits or log-probabilities; targets equal to\n"
                "`ignore_index` are not counted.")
HEARTH_REGISTER(BitsPerToken, "bits_per_token", "Mean negative log-likelihood per token in bits (lower is better)",
                "mean over positions of -log2 softmax(scores)[target], over the whole split: bits per character\n"
                "or per byte for a character- or byte-level text job. Same layouts and `ignore_index` as\n"
                "perplexity.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
