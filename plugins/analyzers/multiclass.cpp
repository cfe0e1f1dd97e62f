// `multiclass`: samples per class (bars or a pie), how random the order of the labels is, and
// class weights for a loss (`weights = "analyzer:multiclass"`).
#include <hearth/draw.hpp>
#include <hearth/plugin.hpp>

#include <cstdio>

#include "target_choice.hpp"

namespace {

class Multiclass : public hearth::Analyzer {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::string("target", "").doc("Tensor holding the class; empty: the first target"),
        hearth::Param::string("chart", "bar").choices({"bar", "pie"}).doc("How the report draws the counts"),
        hearth::Param::string("weighting", "inverse").choices({"inverse", "sqrt_inverse", "none"}).doc(
            "Class weights: total / (classes * count), its square root, or all 1"),
    };
  }
  explicit Multiclass(const hearth::Params& p)
      : target_(p.get<std::string>("target")), chart_(p.get<std::string>("chart")), weighting_(p.get<std::string>("weighting")) {}

  void start(const hearth::SampleInfo& info) override {
    index_ = hearth_builtin::pick_target(info, target_);
    names_ = info.class_names;
    counts_.assign(names_.size(), 0);
    total_ = changes_ = 0;
    previous_ = -1;
  }

  void take(const hearth::TensorList& sample) override {
    const torch::Tensor& t = sample.at(index_);
    // An integer label, or a one-hot / score vector.
    int64_t c = t.numel() == 1 ? t.item<int64_t>() : t.reshape({-1}).argmax().item<int64_t>();
    if (c < 0) throw std::invalid_argument("negative class index " + std::to_string(c) + " in sample " + std::to_string(total_));
    if (static_cast<size_t>(c) >= counts_.size()) counts_.resize(static_cast<size_t>(c) + 1, 0);
    ++counts_[static_cast<size_t>(c)];
    if (previous_ >= 0 && c != previous_) ++changes_;
    previous_ = c;
    ++total_;
  }

  /// Label changes between neighbours, against the number a random order gives on average:
  /// 1 for a shuffled dataset, near 0 for one sorted by class (which trains badly unshuffled).
  double randomness() const {
    if (total_ < 2) return 1;
    double n = static_cast<double>(total_), same = 0;
    for (int64_t c : counts_) same += static_cast<double>(c) * static_cast<double>(c - 1);
    double expected = (n - 1) * (1 - same / (n * (n - 1)));
    return expected <= 0 ? 1 : std::min(1.0, static_cast<double>(changes_) / expected);
  }

  torch::Tensor class_weights() override {
    std::vector<float> w;
    double n = static_cast<double>(counts_.size());
    for (int64_t c : counts_) {
      double inverse = c == 0 ? 0.0 : static_cast<double>(total_) / (n * static_cast<double>(c));
      w.push_back(static_cast<float>(weighting_ == "none" ? 1.0 : weighting_ == "sqrt_inverse" ? std::sqrt(inverse) : inverse));
    }
    return torch::tensor(w, torch::kFloat32);
  }

  void report(cairo_t* cr, int width, int height) override {
    auto [labels, values] = hearth_builtin::count_bars(names_, counts_);
    char heading[160];
    std::snprintf(heading, sizeof heading, "Class balance: %lld samples, %zu classes, label order randomness %.2f",
                  static_cast<long long>(total_), counts_.size(), randomness());
    hearth::draw::Box box{0, 0, static_cast<double>(width), static_cast<double>(height)};
    if (chart_ == "pie") hearth::draw::pie_chart(cr, box, heading, labels, values);
    else hearth::draw::bar_chart(cr, box, heading, "samples", labels, values);
  }

  std::vector<std::pair<std::string, std::string>> summary() override {
    auto number = [](double v) {
      char b[32];
      std::snprintf(b, sizeof b, "%.4g", v);
      return std::string(b);
    };
    std::vector<std::pair<std::string, std::string>> out = {
        {"samples", std::to_string(total_)}, {"classes", std::to_string(counts_.size())}, {"randomness", number(randomness())}};
    torch::Tensor w = class_weights();
    for (size_t c = 0; c < counts_.size(); ++c) {
      std::string name = hearth_builtin::class_label(names_, c);
      out.emplace_back("count." + name, std::to_string(counts_[c]));
      out.emplace_back("weight." + name, number(w[static_cast<int64_t>(c)].item<double>()));
    }
    if (!counts_.empty()) {
      auto [lo, hi] = std::minmax_element(counts_.begin(), counts_.end());
      out.emplace_back("imbalance", number(*lo == 0 ? INFINITY : static_cast<double>(*hi) / static_cast<double>(*lo)));
    }
    return out;
  }

 private:
  std::string target_, chart_, weighting_;
  size_t index_ = 0;
  std::vector<std::string> names_;
  std::vector<int64_t> counts_;
  int64_t total_ = 0, changes_ = 0, previous_ = -1;
};

}  // namespace

HEARTH_REGISTER(Multiclass, "multiclass", "Class balance, label order randomness and class weights",
                "Counts the class of every sample (an integer target, or the argmax of a one-hot one), draws\n"
                "the counts as bars or a pie, scores how random the label order is (1: shuffled, 0: sorted by\n"
                "class) and offers class weights to a loss: weights = \"analyzer:multiclass\".")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
