// `bitmap`: draws an HW or CHW tensor as an image, scaled to fit.
#include <hearth/plugin.hpp>

#include "image_paint.hpp"

namespace {

class Bitmap : public hearth::Renderer {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::string("colormap", "gray").choices({"gray", "viridis", "heat"}).doc(
            "Colour map for one-channel images"),
        hearth::Param::boolean("normalize", true).doc("Stretch values to [0, 1] (else clamp them)"),
        hearth::Param::boolean("invert", false).doc("Draw 1 - v"),
    };
  }
  explicit Bitmap(const hearth::Params& p)
      : colormap_(p.get<std::string>("colormap")), normalize_(p.get<bool>("normalize")), invert_(p.get<bool>("invert")) {}

  void render(cairo_t* cr, int width, int height, const torch::Tensor& tensor, const hearth::RenderContext&) override {
    torch::Tensor t = tensor;
    if (t.dim() == 2) t = t.unsqueeze(0);
    if (t.dim() != 3 || (t.size(0) != 1 && t.size(0) != 3))
      throw std::invalid_argument("bitmap draws HW or CHW tensors with 1 or 3 channels, got shape " +
                                  hearth_builtin::shape_text(tensor) + "; for volumes use the volume renderer");
    t = hearth_builtin::unit_range(t, normalize_);
    if (invert_) t = 1 - t;
    hearth_builtin::clear(cr);
    hearth_builtin::paint_image(cr, {0, 0, static_cast<double>(width), static_cast<double>(height)}, t, colormap_);
  }

 private:
  std::string colormap_;
  bool normalize_;
  bool invert_;
};

}  // namespace

HEARTH_REGISTER(Bitmap, "bitmap", "Draw an HW or CHW tensor as an image",
                "One channel is coloured with the colour map, three channels are drawn as RGB. Values\n"
                "are stretched to [0, 1] (normalize) or clamped, optionally inverted, and the image is\n"
                "scaled to fit, with crisp pixels when enlarged.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
