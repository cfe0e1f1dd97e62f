// `multilabel`: for multi-hot targets, how often each class is present, how many classes a sample
// has, and positive weights (negatives / positives per class) for binary_cross_entropy.
#include <hearth/draw.hpp>
#include <hearth/plugin.hpp>

#include <cstdio>

#include "target_choice.hpp"

namespace {

class Multilabel : public hearth::Analyzer {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::string("target", "").doc("Tensor holding the multi-hot labels; empty: the first target"),
        hearth::Param::number("threshold", 0.5).doc("A label counts as present above this value"),
    };
  }
  explicit Multilabel(const hearth::Params& p) : target_(p.get<std::string>("target")), threshold_(p.get<double>("threshold")) {}

  void start(const hearth::SampleInfo& info) override {
    index_ = hearth_builtin::pick_target(info, target_);
    names_ = info.class_names;
    counts_.assign(names_.size(), 0);
    per_sample_.clear();
    total_ = 0;
  }

  void take(const hearth::TensorList& sample) override {
    torch::Tensor t = sample.at(index_).reshape({-1}).to(torch::kFloat64);
    if (counts_.size() < static_cast<size_t>(t.numel())) counts_.resize(static_cast<size_t>(t.numel()), 0);
    torch::Tensor present = t.gt(threshold_).contiguous();
    const bool* p = present.data_ptr<bool>();
    int64_t n = 0;
    for (int64_t i = 0; i < present.numel(); ++i)
      if (p[i]) ++counts_[static_cast<size_t>(i)], ++n;
    if (per_sample_.size() <= static_cast<size_t>(n)) per_sample_.resize(static_cast<size_t>(n) + 1, 0);
    ++per_sample_[static_cast<size_t>(n)];
    ++total_;
  }

  torch::Tensor class_weights() override {
    std::vector<float> w;
    for (int64_t c : counts_) w.push_back(c == 0 ? 0.0f : static_cast<float>(static_cast<double>(total_ - c) / static_cast<double>(c)));
    return torch::tensor(w, torch::kFloat32);
  }

  void report(cairo_t* cr, int width, int height) override {
    auto [labels, values] = hearth_builtin::count_bars(names_, counts_);
    double h = static_cast<double>(height);
    char heading[128];
    std::snprintf(heading, sizeof heading, "Samples per class (%lld samples, %zu classes)", static_cast<long long>(total_), counts_.size());
    hearth::draw::bar_chart(cr, {0, 0, static_cast<double>(width), h * 0.6}, heading, "samples", labels, values);
    std::vector<std::string> k;
    std::vector<double> v;
    for (size_t i = 0; i < per_sample_.size(); ++i) {
      k.push_back(std::to_string(i));
      v.push_back(static_cast<double>(per_sample_[i]));
    }
    hearth::draw::bar_chart(cr, {0, h * 0.6, static_cast<double>(width), h * 0.4}, "Classes per sample", "samples", k, v,
                            hearth::draw::palette_colour(1));
  }

  std::vector<std::pair<std::string, std::string>> summary() override {
    std::vector<std::pair<std::string, std::string>> out = {{"samples", std::to_string(total_)},
                                                            {"classes", std::to_string(counts_.size())}};
    double labels = 0;
    for (size_t i = 0; i < per_sample_.size(); ++i) labels += static_cast<double>(i) * static_cast<double>(per_sample_[i]);
    char mean[32];
    std::snprintf(mean, sizeof mean, "%.4g", total_ ? labels / static_cast<double>(total_) : 0.0);
    out.emplace_back("classes_per_sample.mean", mean);
    for (size_t c = 0; c < counts_.size(); ++c)
      out.emplace_back("count." + hearth_builtin::class_label(names_, c), std::to_string(counts_[c]));
    for (size_t i = 0; i < per_sample_.size(); ++i) out.emplace_back("samples_with." + std::to_string(i), std::to_string(per_sample_[i]));
    return out;
  }

 private:
  std::string target_;
  double threshold_;
  size_t index_ = 0;
  std::vector<std::string> names_;
  std::vector<int64_t> counts_, per_sample_;
  int64_t total_ = 0;
};

}  // namespace

HEARTH_REGISTER(Multilabel, "multilabel", "Label counts and classes per sample of multi-hot targets",
                "For targets that mark several classes at once (multi-hot vectors), counts how often each\n"
                "class is present and how many classes each sample has, and offers per-class positive weights\n"
                "(negatives / positives) for binary_cross_entropy.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
