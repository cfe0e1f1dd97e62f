// `bitmap`: draws an HW or CHW tensor as an image, scaled to fit.
#include <cairo.h>
#include <hearth/plugin.hpp>

#include <algorithm>
#include <array>

namespace {

using Rgb = std::array<double, 3>;

Rgb lerp(const Rgb& a, const Rgb& b, double t) {
  return {a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t};
}

/// Colour of v in [0, 1] along a few anchor colours.
Rgb colour_map(const std::string& name, double v) {
  static const std::vector<Rgb> viridis = {{0.267, 0.005, 0.329}, {0.229, 0.322, 0.546}, {0.128, 0.567, 0.551},
                                           {0.369, 0.789, 0.383}, {0.993, 0.906, 0.144}};
  static const std::vector<Rgb> heat = {{0, 0, 0}, {0.7, 0, 0}, {1, 0.6, 0}, {1, 1, 0.6}};
  if (name == "gray") return {v, v, v};
  const auto& anchors = name == "heat" ? heat : viridis;
  double x = std::clamp(v, 0.0, 1.0) * static_cast<double>(anchors.size() - 1);
  size_t i = std::min(static_cast<size_t>(x), anchors.size() - 2);
  return lerp(anchors[i], anchors[i + 1], x - static_cast<double>(i));
}

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
    torch::Tensor t = tensor.detach().to(torch::kCPU, torch::kFloat64);
    if (t.dim() == 2) t = t.unsqueeze(0);
    if (t.dim() != 3 || (t.size(0) != 1 && t.size(0) != 3)) {
      std::ostringstream os;
      os << "bitmap draws HW or CHW tensors with 1 or 3 channels, got shape " << tensor.sizes();
      throw std::invalid_argument(os.str());
    }
    if (normalize_) {
      double lo = t.min().item<double>(), hi = t.max().item<double>();
      t = hi > lo ? (t - lo) / (hi - lo) : torch::zeros_like(t);
    }
    t = t.clamp(0, 1);
    if (invert_) t = 1 - t;
    t = t.contiguous();
    int rows = static_cast<int>(t.size(1)), cols = static_cast<int>(t.size(2));
    cairo_surface_t* image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, cols, rows);
    cairo_surface_flush(image);
    unsigned char* data = cairo_image_surface_get_data(image);
    int stride = cairo_image_surface_get_stride(image);
    auto acc = t.accessor<double, 3>();
    for (int y = 0; y < rows; ++y) {
      auto* row = reinterpret_cast<uint32_t*>(data + y * stride);
      for (int x = 0; x < cols; ++x) {
        Rgb c = t.size(0) == 3 ? Rgb{acc[0][y][x], acc[1][y][x], acc[2][y][x]} : colour_map(colormap_, acc[0][y][x]);
        auto byte = [](double v) { return static_cast<uint32_t>(std::clamp(v, 0.0, 1.0) * 255.0 + 0.5); };
        row[x] = (byte(c[0]) << 16) | (byte(c[1]) << 8) | byte(c[2]);
      }
    }
    cairo_surface_mark_dirty(image);

    cairo_save(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    double scale = std::min(static_cast<double>(width) / cols, static_cast<double>(height) / rows);
    cairo_translate(cr, (width - cols * scale) / 2, (height - rows * scale) / 2);
    cairo_scale(cr, scale, scale);
    cairo_set_source_surface(cr, image, 0, 0);
    // Small images (28x28) should stay crisp pixels, not blur.
    cairo_pattern_set_filter(cairo_get_source(cr), scale >= 2 ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(image);
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
