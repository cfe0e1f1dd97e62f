// precision, recall, f_score and top_k for classes; mae and rmse for regression.
#include <hearth/plugin.hpp>

#include "../common/class_scores.hpp"

namespace {

/// Predicted and true class per sample (per position of a sequence or map): argmax over the class
/// scores, or a threshold for one column.
std::pair<torch::Tensor, torch::Tensor> classes_of(const hearth::TensorList& outputs, const hearth::TensorList& targets,
                                                   double threshold, int64_t& classes) {
  torch::Tensor out = outputs.at(0).detach().to(torch::kCPU);
  torch::Tensor target = targets.at(0).detach().to(torch::kCPU);
  torch::Tensor predicted;
  if (out.dim() >= 3 || (out.dim() == 2 && out.size(1) > 1)) {
    const hearth_builtin::ClassScores s = hearth_builtin::flatten_class_scores(out, target, "this metric");
    classes = std::max(classes, s.scores.size(1));
    predicted = s.scores.argmax(1);
    target = s.targets;
  } else {
    classes = std::max<int64_t>(classes, 2);
    predicted = (out.reshape({-1}) > threshold).to(torch::kInt64);
    target = (target.reshape({-1}).to(torch::kFloat64) > threshold).to(torch::kInt64);
  }
  if (predicted.numel() != target.numel())
    throw std::invalid_argument(std::to_string(predicted.numel()) + " predictions for " + std::to_string(target.numel()) +
                                " targets");
  return {predicted, target};
}

/// Confusion counts per class, shared by precision, recall and f_score.
class ConfusionMetric : public hearth::Metric {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::string("average", "macro").choices({"macro", "micro"}).doc(
                "macro: mean over classes; micro: over all samples"),
            hearth::Param::number("threshold", 0.5).doc("Decision threshold for single-column outputs")};
  }
  explicit ConfusionMetric(const hearth::Params& p)
      : macro_(p.get<std::string>("average") == "macro"), threshold_(p.get<double>("threshold")) {}

  void update(const hearth::TensorList& outputs, const hearth::TensorList& targets) override {
    auto [pred, target] = classes_of(outputs, targets, threshold_, classes_);
    grow();
    auto p = pred.accessor<int64_t, 1>();
    auto t = target.accessor<int64_t, 1>();
    for (int64_t i = 0; i < pred.numel(); ++i) {
      if (t[i] < 0 || t[i] >= classes_) throw std::invalid_argument("class index " + std::to_string(t[i]) + " out of range");
      if (p[i] == t[i]) ++tp_[p[i]];
      else {
        ++fp_[p[i]];
        ++fn_[t[i]];
      }
    }
  }
  void reset() override { tp_.clear(), fp_.clear(), fn_.clear(); }
  double compute() override {
    if (tp_.empty()) return 0.0;
    if (!macro_) {
      double tp = 0, fp = 0, fn = 0;
      for (size_t c = 0; c < tp_.size(); ++c) tp += tp_[c], fp += fp_[c], fn += fn_[c];
      return score(tp, fp, fn);
    }
    double sum = 0;
    for (size_t c = 0; c < tp_.size(); ++c) sum += score(tp_[c], fp_[c], fn_[c]);
    return sum / static_cast<double>(tp_.size());
  }

 protected:
  /// Score from counts: e.g. tp / (tp + fp) for precision.
  virtual double score(double tp, double fp, double fn) const = 0;

 private:
  void grow() {
    tp_.resize(static_cast<size_t>(classes_), 0);
    fp_.resize(static_cast<size_t>(classes_), 0);
    fn_.resize(static_cast<size_t>(classes_), 0);
  }
  bool macro_;
  double threshold_;
  int64_t classes_ = 0;
  std::vector<double> tp_, fp_, fn_;
};

class Precision : public ConfusionMetric {
 public:
  using ConfusionMetric::ConfusionMetric;

 protected:
  double score(double tp, double fp, double) const override { return tp + fp > 0 ? tp / (tp + fp) : 0.0; }
};

class Recall : public ConfusionMetric {
 public:
  using ConfusionMetric::ConfusionMetric;

 protected:
  double score(double tp, double, double fn) const override { return tp + fn > 0 ? tp / (tp + fn) : 0.0; }
};

class FScore : public ConfusionMetric {
 public:
  static hearth::Schema schema() {
    hearth::Schema s = ConfusionMetric::schema();
    s.push_back(hearth::Param::number("beta", 1.0).min(0).doc("Weight of recall against precision (1: F1)"));
    return s;
  }
  explicit FScore(const hearth::Params& p) : ConfusionMetric(p), beta2_(p.get<double>("beta") * p.get<double>("beta")) {}

 protected:
  double score(double tp, double fp, double fn) const override {
    double d = (1 + beta2_) * tp + beta2_ * fn + fp;
    return d > 0 ? (1 + beta2_) * tp / d : 0.0;
  }

 private:
  double beta2_;
};

class TopK : public hearth::Metric {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::integer("k", 5).min(1).doc("A hit is the target among the k highest scores"),
            hearth::Param::integer("ignore_index", -100).doc("Targets of this value are not counted (padding)")};
  }
  explicit TopK(const hearth::Params& p) : k_(p.get<int64_t>("k")), ignore_index_(p.get<int64_t>("ignore_index")) {}
  void update(const hearth::TensorList& outputs, const hearth::TensorList& targets) override {
    const hearth_builtin::ClassScores s = hearth_builtin::without_ignored(
        hearth_builtin::flatten_class_scores(outputs.at(0).detach(), targets.at(0).detach(), "top_k"), ignore_index_);
    torch::Tensor top = std::get<1>(s.scores.topk(std::min(k_, s.scores.size(1)), 1));
    hits_ += top.eq(s.targets.reshape({-1, 1})).any(1).sum().item<int64_t>();
    total_ += s.targets.size(0);
  }
  double compute() override { return total_ ? static_cast<double>(hits_) / static_cast<double>(total_) : 0.0; }
  void reset() override { hits_ = total_ = 0; }

 private:
  int64_t k_, ignore_index_, hits_ = 0, total_ = 0;
};

/// Sum of |e| or e^2 over all elements.
class ErrorMetric : public hearth::Metric {
 public:
  ErrorMetric(bool squared) : squared_(squared) {}
  void update(const hearth::TensorList& outputs, const hearth::TensorList& targets) override {
    torch::Tensor out = outputs.at(0).to(torch::kFloat64);
    torch::Tensor target = targets.at(0).to(out.device(), torch::kFloat64);
    if (out.numel() != target.numel()) throw std::invalid_argument("outputs and targets differ in size");
    torch::Tensor e = out.reshape({-1}) - target.reshape({-1});
    sum_ += (squared_ ? e.pow(2) : e.abs()).sum().item<double>();
    count_ += e.numel();
  }
  void reset() override { sum_ = 0, count_ = 0; }
  bool higher_is_better() const override { return false; }

 protected:
  bool squared_;
  double sum_ = 0;
  int64_t count_ = 0;
};

class MaeMetric : public ErrorMetric {
 public:
  explicit MaeMetric(const hearth::Params&) : ErrorMetric(false) {}
  double compute() override { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
};

class Rmse : public ErrorMetric {
 public:
  explicit Rmse(const hearth::Params&) : ErrorMetric(true) {}
  double compute() override { return count_ ? std::sqrt(sum_ / static_cast<double>(count_)) : 0.0; }
};

}  // namespace

HEARTH_REGISTER(Precision, "precision", "Precision (macro or micro)", "tp / (tp + fp), per class then averaged, or pooled.")
HEARTH_REGISTER(Recall, "recall", "Recall (macro or micro)", "tp / (tp + fn), per class then averaged, or pooled.")
HEARTH_REGISTER(FScore, "f_score", "F-beta score (macro or micro)", "(1 + b^2) tp / ((1 + b^2) tp + b^2 fn + fp).")
HEARTH_REGISTER(TopK, "top_k", "Share of targets among the k highest scores", "Top-k accuracy over [N, classes] scores (or [B, T, classes] against [B, T]: every position).")
HEARTH_REGISTER(MaeMetric, "mae", "Mean absolute error (lower is better)", "Mean of |output - target|.")
HEARTH_REGISTER(Rmse, "rmse", "Root mean squared error (lower is better)", "sqrt(mean((output - target)^2)).")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
