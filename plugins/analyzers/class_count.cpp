// `class_count`: samples per class, class weights, and a bar chart of the balance.
#include <cairo.h>
#include <hearth/plugin.hpp>

#include <algorithm>
#include <cstdio>

namespace {

class ClassCount : public hearth::Analyzer {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::string("target", "").doc("Name of the tensor holding the class; empty: the first target")};
  }
  explicit ClassCount(const hearth::Params& p) : target_name_(p.get<std::string>("target")) {}

  void start(const hearth::SampleInfo& info) override {
    counts_.assign(info.class_names.size(), 0);
    names_ = info.class_names;
    index_ = -1;
    for (size_t i = 0; i < info.tensor_names.size(); ++i) {
      bool match = target_name_.empty() ? info.roles[i] == HEARTH_ROLE_TARGET : info.tensor_names[i] == target_name_;
      if (match) {
        index_ = static_cast<int64_t>(i);
        break;
      }
    }
    if (index_ < 0)
      throw std::invalid_argument(target_name_.empty() ? "the samples have no tensor with the target role"
                                                       : "the samples have no tensor named '" + target_name_ + "'");
  }

  void take(const hearth::TensorList& sample) override {
    const torch::Tensor& t = sample.at(static_cast<size_t>(index_));
    int64_t c = t.numel() == 1 ? t.item<int64_t>() : t.reshape({-1}).argmax().item<int64_t>();
    if (c < 0) throw std::invalid_argument("negative class index " + std::to_string(c));
    if (static_cast<size_t>(c) >= counts_.size()) counts_.resize(static_cast<size_t>(c) + 1, 0);
    ++counts_[static_cast<size_t>(c)];
    ++total_;
  }

  torch::Tensor class_weights() override {
    std::vector<float> w;
    double n = static_cast<double>(counts_.size());
    for (int64_t c : counts_) w.push_back(c == 0 ? 0.0f : static_cast<float>(total_ / (n * static_cast<double>(c))));
    return torch::tensor(w, torch::kFloat32);
  }

  void report(cairo_t* cr, int width, int height) override {
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 16);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_move_to(cr, 16, 26);
    cairo_show_text(cr, ("Class balance (" + std::to_string(total_) + " samples)").c_str());
    if (counts_.empty()) return;
    int64_t top = *std::max_element(counts_.begin(), counts_.end());
    double left = 56, right = width - 16.0, bottom = height - 48.0, upper = 44;
    double slot = (right - left) / static_cast<double>(counts_.size());
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 11);
    for (size_t c = 0; c < counts_.size(); ++c) {
      double h = top == 0 ? 0 : (bottom - upper) * static_cast<double>(counts_[c]) / static_cast<double>(top);
      cairo_set_source_rgb(cr, 0.23, 0.46, 0.69);
      cairo_rectangle(cr, left + c * slot + slot * 0.1, bottom - h, slot * 0.8, h);
      cairo_fill(cr);
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      std::string label = c < names_.size() ? names_[c] : std::to_string(c);
      cairo_text_extents_t ext;
      cairo_text_extents(cr, label.c_str(), &ext);
      cairo_move_to(cr, left + c * slot + (slot - ext.width) / 2, bottom + 16);
      cairo_show_text(cr, label.c_str());
      std::string count = std::to_string(counts_[c]);
      cairo_text_extents(cr, count.c_str(), &ext);
      cairo_move_to(cr, left + c * slot + (slot - ext.width) / 2, bottom - h - 4);
      cairo_show_text(cr, count.c_str());
    }
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, left, upper);
    cairo_line_to(cr, left, bottom);
    cairo_line_to(cr, right, bottom);
    cairo_stroke(cr);
    cairo_move_to(cr, 8, (upper + bottom) / 2);
    cairo_show_text(cr, "count");
  }

  std::vector<std::pair<std::string, std::string>> summary() override {
    std::vector<std::pair<std::string, std::string>> out = {{"samples", std::to_string(total_)},
                                                            {"classes", std::to_string(counts_.size())}};
    for (size_t c = 0; c < counts_.size(); ++c)
      out.emplace_back("count." + (c < names_.size() ? names_[c] : std::to_string(c)), std::to_string(counts_[c]));
    if (!counts_.empty()) {
      auto [lo, hi] = std::minmax_element(counts_.begin(), counts_.end());
      char ratio[32];
      std::snprintf(ratio, sizeof ratio, "%.3f", *lo == 0 ? 0.0 : static_cast<double>(*hi) / static_cast<double>(*lo));
      out.emplace_back("imbalance", ratio);
    }
    return out;
  }

 private:
  std::string target_name_;
  int64_t index_ = -1;
  std::vector<int64_t> counts_;
  std::vector<std::string> names_;
  int64_t total_ = 0;
};

}  // namespace

HEARTH_REGISTER(ClassCount, "class_count", "Samples per class, class weights and a balance chart",
                "Counts the class of every sample (an integer target, or the argmax of a one-hot one),\n"
                "offers weights total / (classes * count) for a loss, and draws a bar chart.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
