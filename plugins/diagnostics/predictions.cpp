// `predictions`: the diagnostic's first samples drawn as the job draws them, each captioned with
// its true class and the model's, green when right and red when wrong.
#include <hearth/draw.hpp>
#include <hearth/plugin.hpp>

#include <cmath>

#include "../analyzers/target_choice.hpp"
#include "class_predictions.hpp"

namespace {

namespace draw = hearth::draw;

class Predictions : public hearth::Diagnostic {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::integer("count", 16).range(1, 256).doc("How many of the samples the sheet shows"),
        hearth::Param::integer("output", 0).min(0).doc("Which model output holds the class scores"),
    };
  }
  explicit Predictions(const hearth::Params& p) : count_(p.get<int64_t>("count")), output_(p.get<int64_t>("output")) {}

  void run(const hearth::DiagnosticInput& in) override {
    p_ = hearth_builtin::class_predictions(in, output_);
    int64_t right = 0;
    for (size_t i = 0; i < p_.truth.size(); ++i) right += p_.truth[i] == p_.predicted[i];
    in.scalar("accuracy", p_.truth.empty() ? 0.0 : static_cast<double>(right) / static_cast<double>(p_.truth.size()));
  }

  bool draw(cairo_t* cr, int width, int height, const hearth::DiagnosticInput& in) override {
    int64_t input = -1;
    for (size_t i = 0; i < in.roles().size() && input < 0; ++i)
      if (in.roles()[i] == HEARTH_ROLE_INPUT) input = static_cast<int64_t>(i);
    if (input < 0) throw std::invalid_argument("the samples have no input tensor to draw");
    const torch::Tensor& pictures = in.samples()[static_cast<size_t>(input)];
    const int64_t n = std::min<int64_t>(count_, pictures.size(0));
    const auto columns = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(n) * width / height)));
    const int64_t rows = (n + columns - 1) / columns;
    const double top = draw::title(cr, {0, 0, static_cast<double>(width), static_cast<double>(height)},
                                   "Predictions after epoch " + std::to_string(in.epoch())) + 8;
    const double cell_w = static_cast<double>(width) / static_cast<double>(columns);
    const double cell_h = (height - top) / static_cast<double>(rows), caption = 16;
    const double side = std::max(8.0, std::min(cell_w - 8, cell_h - caption - 8));
    for (int64_t k = 0; k < n; ++k) {
      const double x = (k % columns) * cell_w + (cell_w - side) / 2, y = top + (k / columns) * cell_h;
      cairo_save(cr);
      cairo_translate(cr, x, y);
      cairo_rectangle(cr, 0, 0, side, side);
      cairo_clip(cr);
      in.render(cr, static_cast<int>(side), static_cast<int>(side), pictures[k], static_cast<size_t>(input));
      cairo_restore(cr);
      caption_cell(cr, in, static_cast<size_t>(k), x + side / 2, y + side + caption - 3, cell_w - 4);
    }
    return true;
  }

 private:
  void caption_cell(cairo_t* cr, const hearth::DiagnosticInput& in, size_t k, double x, double y, double room) const {
    const bool right = p_.truth[k] == p_.predicted[k];
    if (right) cairo_set_source_rgb(cr, 0.1, 0.55, 0.2);
    else cairo_set_source_rgb(cr, 0.8, 0.1, 0.1);
    draw::set_font(cr, 11, !right);
    const std::string truth = hearth_builtin::class_label(in.class_names(), static_cast<size_t>(p_.truth[k]));
    const std::string guess = hearth_builtin::class_label(in.class_names(), static_cast<size_t>(p_.predicted[k]));
    draw::text(cr, draw::fit_text(cr, right ? truth : truth + " as " + guess, room), x, y, 0.5);
  }

  int64_t count_, output_;
  hearth_builtin::ClassPredictions p_;
};

}  // namespace

HEARTH_REGISTER(Predictions, "predictions", "The model's classes for fixed samples, drawn as the job draws them",
                "Draws the first `count` of the diagnostic's samples with the renderer the job uses for the\n"
                "first input tensor, each captioned with its true class, and the predicted one where the model is\n"
                "wrong (green: right, red: wrong). Records the samples' accuracy as the scalar `accuracy`.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
