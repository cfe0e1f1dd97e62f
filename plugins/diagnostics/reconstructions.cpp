// `reconstructions`: each sample's input beside what the model made of it (and the target, when
// the sample has one), all drawn by the job's renderers: for autoencoders, U-Nets, denoisers.
#include <hearth/draw.hpp>
#include <hearth/plugin.hpp>

#include "model_output.hpp"

namespace {

namespace draw = hearth::draw;

class Reconstructions : public hearth::Diagnostic {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::integer("count", 6).range(1, 32).doc("How many of the samples the picture shows, one per row"),
        hearth::Param::integer("output", 0).min(0).doc("Which model output is drawn"),
    };
  }
  explicit Reconstructions(const hearth::Params& p) : count_(p.get<int64_t>("count")), output_(p.get<int64_t>("output")) {}

  void run(const hearth::DiagnosticInput& in) override {
    torch::NoGradGuard no_grad;
    hearth::TensorList outputs = in.forward(in.inputs());
    made_ = hearth_builtin::model_output(outputs, output_).detach().to(torch::kCPU);
    const int64_t target = in.target_index();
    if (target >= 0 && in.samples()[static_cast<size_t>(target)].sizes() == made_.sizes()) {
      const torch::Tensor t = in.samples()[static_cast<size_t>(target)].to(torch::kFloat32);
      in.scalar("mse", (made_.to(torch::kFloat32) - t).pow(2).mean().item<double>());
    }
  }

  bool draw(cairo_t* cr, int width, int height, const hearth::DiagnosticInput& in) override {
    // Columns: every input tensor, the output, every target tensor.
    std::vector<std::pair<std::string, size_t>> columns;
    for (size_t i = 0; i < in.roles().size(); ++i)
      if (in.roles()[i] == HEARTH_ROLE_INPUT) columns.emplace_back(in.tensor_names()[i], i);
    columns.emplace_back("output", in.tensor_names().size() + static_cast<size_t>(output_));
    for (size_t i = 0; i < in.roles().size(); ++i)
      if (in.roles()[i] == HEARTH_ROLE_TARGET) columns.emplace_back(in.tensor_names()[i], i);
    const int64_t rows = std::min<int64_t>(count_, made_.size(0));
    const double top = draw::title(cr, {0, 0, static_cast<double>(width), static_cast<double>(height)},
                                   "Reconstructions after epoch " + std::to_string(in.epoch())) + 24;
    const double cell = std::max(8.0, std::min((width - 20.0) / columns.size() - 8, (height - top) / rows - 8));
    draw::set_font(cr, 12, true);
    for (size_t c = 0; c < columns.size(); ++c) {
      cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
      draw::text(cr, draw::fit_text(cr, columns[c].first, cell), 10 + c * (cell + 8) + cell / 2, top - 6, 0.5);
    }
    for (int64_t k = 0; k < rows; ++k)
      for (size_t c = 0; c < columns.size(); ++c) {
        const size_t index = columns[c].second;
        const torch::Tensor t = index < in.samples().size() ? in.samples()[index][k] : made_[k];
        cairo_save(cr);
        cairo_translate(cr, 10 + c * (cell + 8), top + k * (cell + 8));
        cairo_rectangle(cr, 0, 0, cell, cell);
        cairo_clip(cr);
        in.render(cr, static_cast<int>(cell), static_cast<int>(cell), t, index);
        cairo_restore(cr);
      }
    return true;
  }

 private:
  int64_t count_, output_;
  torch::Tensor made_;
};

}  // namespace

HEARTH_REGISTER(Reconstructions, "reconstructions", "Inputs beside the model's outputs (and targets), drawn by the job's renderers",
                "One row per sample (the first `count` of the diagnostic's samples): each input tensor, model\n"
                "output `output` and each target tensor, drawn with the renderers the job draws them with\n"
                "([[renders]], else the choice by shape). When the target has the output's shape, records\n"
                "their mean squared difference as mse.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
