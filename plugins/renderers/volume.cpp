// `volume`: one slice of a DHW or CDHW tensor, drawn as an image.
#include <hearth/plugin.hpp>

#include "image_paint.hpp"

namespace {

namespace draw = hearth::draw;

class Volume : public hearth::Renderer {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::string("axis", "depth").choices({"depth", "height", "width"}).doc("Axis the slice is cut across"),
        hearth::Param::integer("slice", -1).doc("Index along the axis; -1: the middle"),
        hearth::Param::integer("channel", 0).min(0).doc("Channel of a CDHW tensor"),
        hearth::Param::string("colormap", "gray").choices({"gray", "viridis", "heat"}).doc("Colour map"),
    };
  }
  explicit Volume(const hearth::Params& p)
      : axis_(p.get<std::string>("axis")), slice_(p.get<int64_t>("slice")), channel_(p.get<int64_t>("channel")),
        colormap_(p.get<std::string>("colormap")) {}

  void render(cairo_t* cr, int width, int height, const torch::Tensor& tensor, const hearth::RenderContext&) override {
    torch::Tensor t = tensor.detach();
    if (t.dim() == 4) {
      if (channel_ >= t.size(0))
        throw std::invalid_argument("volume: channel " + std::to_string(channel_) + " of a tensor with " + std::to_string(t.size(0)) + " channels");
      t = t[channel_];
    }
    if (t.dim() != 3) throw std::invalid_argument("volume draws DHW or CDHW tensors, got shape " + hearth_builtin::shape_text(tensor));
    int64_t dim = axis_ == "depth" ? 0 : axis_ == "height" ? 1 : 2;
    int64_t n = t.size(dim), index = slice_ < 0 ? n / 2 : slice_;
    if (index >= n)
      throw std::invalid_argument("volume: slice " + std::to_string(index) + " of " + std::to_string(n) + " along " + axis_);
    // The whole volume's range, so that slices of one volume compare.
    torch::Tensor whole = t.to(torch::kCPU, torch::kFloat64);
    double lo = whole.min().item<double>(), hi = whole.max().item<double>();
    torch::Tensor s = whole.select(dim, index);
    s = (hi > lo ? (s - lo) / (hi - lo) : torch::zeros_like(s)).unsqueeze(0);
    hearth_builtin::clear(cr);
    hearth_builtin::paint_image(cr, {0, 0, static_cast<double>(width), height - 18.0}, s, colormap_);
    draw::set_font(cr, 11);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    draw::text(cr, axis_ + " slice " + std::to_string(index) + " of " + std::to_string(n), width / 2.0, height - 5.0, 0.5);
  }

 private:
  std::string axis_;
  int64_t slice_, channel_;
  std::string colormap_;
};

}  // namespace

HEARTH_REGISTER(Volume, "volume", "Draw one slice of a DHW or CDHW volume",
                "Cuts the volume across depth, height or width at `slice` (default the middle), scales values\n"
                "by the whole volume's range so slices compare, and draws the slice with a colour map.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
