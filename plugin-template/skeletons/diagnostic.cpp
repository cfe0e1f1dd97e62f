// template_module: a Hearth diagnostic plugin, run every few epochs after the checkpoint
// ([[diagnostics]] plugin = "template_module", every = 5), on fixed samples of a split.
#include <cairo.h>
#include <hearth/plugin.hpp>

namespace {

/// The mean of the model's first output on the samples: a scalar, and the number drawn.
class TemplateModule : public hearth::Diagnostic {
 public:
  explicit TemplateModule(const hearth::Params&) {}

  void run(const hearth::DiagnosticInput& in) override {
    torch::NoGradGuard no_grad;  // this one takes no gradients; saliency-like ones would
    hearth::TensorList outputs = in.forward(in.inputs());
    mean_ = outputs.at(0).mean().item<double>();
    in.scalar("output_mean", mean_);
  }

  bool draw(cairo_t* cr, int width, int height, const hearth::DiagnosticInput& in) override {
    std::string text = "epoch " + std::to_string(in.epoch()) + ": mean output " + std::to_string(mean_);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_font_size(cr, 18);
    cairo_move_to(cr, width / 8.0, height / 2.0);
    cairo_show_text(cr, text.c_str());
    return true;
  }

 private:
  double mean_ = 0;
};

}  // namespace

HEARTH_REGISTER(TemplateModule, MODULE_NAME, "Describe your diagnostic in one line", "Longer documentation.")
HEARTH_PACK(PLUGIN_NAME, PLUGIN_VERSION)
