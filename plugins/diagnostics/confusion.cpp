// `confusion`: the confusion matrix of the model's classes on the diagnostic's samples.
#include <hearth/draw.hpp>
#include <hearth/plugin.hpp>

#include <cstdio>

#include "../analyzers/target_choice.hpp"
#include "class_predictions.hpp"

namespace {

namespace draw = hearth::draw;

class Confusion : public hearth::Diagnostic {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::integer("output", 0).min(0).doc("Which model output holds the class scores"),
    };
  }
  explicit Confusion(const hearth::Params& p) : output_(p.get<int64_t>("output")) {}

  void run(const hearth::DiagnosticInput& in) override {
    hearth_builtin::ClassPredictions p = hearth_builtin::class_predictions(in, output_);
    classes_ = p.classes;
    names_ = in.class_names();
    counts_.assign(classes_ * classes_, 0);
    int64_t right = 0;
    for (size_t i = 0; i < p.truth.size(); ++i) {
      const auto t = static_cast<size_t>(p.truth[i]), g = static_cast<size_t>(p.predicted[i]);
      if (g < classes_) ++counts_[t * classes_ + g];
      right += t == g;
    }
    samples_ = static_cast<int64_t>(p.truth.size());
    accuracy_ = samples_ ? static_cast<double>(right) / static_cast<double>(samples_) : 0;
    epoch_ = in.epoch();
    in.scalar("accuracy", accuracy_);
  }

  /// Rows: the true class; columns: the predicted one. A cell's colour is its share of its row.
  bool draw(cairo_t* cr, int width, int height, const hearth::DiagnosticInput&) override {
    char heading[160];
    std::snprintf(heading, sizeof heading, "Confusion after epoch %lld: %lld samples, accuracy %.1f%%",
                  static_cast<long long>(epoch_), static_cast<long long>(samples_), 100 * accuracy_);
    double top = draw::title(cr, {0, 0, static_cast<double>(width), static_cast<double>(height)}, heading) + 30;
    const double left = 110, side = std::min(width - left - 20, height - top - 70);
    if (side <= 0 || classes_ == 0) return true;
    const double cell = side / static_cast<double>(classes_);
    for (size_t t = 0; t < classes_; ++t) {
      int64_t row = 0;
      for (size_t g = 0; g < classes_; ++g) row += counts_[t * classes_ + g];
      for (size_t g = 0; g < classes_; ++g) draw_cell(cr, left + g * cell, top + t * cell, cell, counts_[t * classes_ + g], row);
      cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
      draw::set_font(cr, std::min(12.0, cell * 0.6));
      draw::text(cr, draw::fit_text(cr, hearth_builtin::class_label(names_, t), left - 8), left - 6,
                 top + (t + 0.5) * cell + 4, 1);
    }
    for (size_t g = 0; g < classes_; ++g) {
      cairo_save(cr);
      cairo_translate(cr, left + (g + 0.5) * cell + 4, top + side + 6);
      cairo_rotate(cr, 0.6);
      draw::text(cr, draw::fit_text(cr, hearth_builtin::class_label(names_, g), 90), 0, 0);
      cairo_restore(cr);
    }
    draw::set_font(cr, 12, true);
    draw::text(cr, "true class (rows) / predicted class (columns)", left, top - 10);
    return true;
  }

 private:
  static void draw_cell(cairo_t* cr, double x, double y, double cell, int64_t count, int64_t row) {
    const double share = row ? static_cast<double>(count) / static_cast<double>(row) : 0;
    draw::set_colour(cr, draw::viridis(share));
    cairo_rectangle(cr, x, y, cell - 1, cell - 1);
    cairo_fill(cr);
    if (count == 0 || cell < 14) return;
    cairo_set_source_rgb(cr, share > 0.6 ? 0 : 1, share > 0.6 ? 0 : 1, share > 0.6 ? 0 : 1);
    draw::set_font(cr, std::min(12.0, cell * 0.4));
    draw::text(cr, std::to_string(count), x + cell / 2, y + cell / 2 + 4, 0.5);
  }

  int64_t output_;
  size_t classes_ = 0;
  std::vector<std::string> names_;
  std::vector<int64_t> counts_;
  int64_t samples_ = 0, epoch_ = 0;
  double accuracy_ = 0;
};

}  // namespace

HEARTH_REGISTER(Confusion, "confusion", "Confusion matrix of the model's classes on fixed samples",
                "Runs the model on the diagnostic's samples and counts, for each true class (rows), the classes\n"
                "it predicted (columns: the argmax of output `output`). Cells are coloured by their share of the\n"
                "row; records the samples' accuracy as the scalar `accuracy`.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
