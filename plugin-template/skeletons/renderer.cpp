// template_module: a Hearth renderer plugin, drawing with Cairo on the host's context.
#include <cairo.h>
#include <hearth/plugin.hpp>

namespace {

/// Writes the tensor's shape in the middle of the picture.
class TemplateModule : public hearth::Renderer {
 public:
  explicit TemplateModule(const hearth::Params&) {}
  void render(cairo_t* cr, int width, int height, const torch::Tensor& tensor, const hearth::RenderContext&) override {
    std::ostringstream text;
    text << tensor.sizes();
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_font_size(cr, 14);
    cairo_move_to(cr, width / 4.0, height / 2.0);
    cairo_show_text(cr, text.str().c_str());
  }
};

}  // namespace

HEARTH_REGISTER(TemplateModule, MODULE_NAME, "Describe your renderer in one line", "Longer documentation.")
HEARTH_PACK(PLUGIN_NAME, PLUGIN_VERSION)
