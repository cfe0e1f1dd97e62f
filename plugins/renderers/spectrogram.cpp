// `spectrogram`: the amplitude in dB of a complex [F, T] tensor, or of a two-channel [2, F, T]
// one (real and imaginary parts), as an image with low frequencies at the bottom.
#include <hearth/plugin.hpp>

#include <cstdio>

#include "image_paint.hpp"

namespace {

namespace draw = hearth::draw;

class Spectrogram : public hearth::Renderer {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::number("floor_db", -80.0).max(0).doc("Amplitudes this far below the peak are drawn as the floor"),
        hearth::Param::string("colormap", "viridis").choices({"gray", "viridis", "heat"}).doc("Colour map"),
    };
  }
  explicit Spectrogram(const hearth::Params& p) : floor_db_(p.get<double>("floor_db")), colormap_(p.get<std::string>("colormap")) {}

  void render(cairo_t* cr, int width, int height, const torch::Tensor& tensor, const hearth::RenderContext&) override {
    torch::Tensor t = tensor.detach().to(torch::kCPU);
    torch::Tensor amplitude;
    if (t.is_complex() && t.dim() == 2) amplitude = t.abs();
    else if (!t.is_complex() && t.dim() == 3 && t.size(0) == 2) amplitude = torch::sqrt(t[0].pow(2) + t[1].pow(2));
    else if (!t.is_complex() && t.dim() == 2) amplitude = t.abs();  // an amplitude already
    else
      throw std::invalid_argument("spectrogram draws complex [F, T] tensors or real [2, F, T] ones (real, imaginary), got " +
                                  hearth_builtin::shape_text(tensor) + (t.is_complex() ? " (complex)" : ""));
    torch::Tensor db = 20 * torch::log10(amplitude.to(torch::kFloat64).clamp_min(1e-12));
    double peak = db.max().item<double>();
    torch::Tensor unit = ((db - peak - floor_db_) / -floor_db_).clamp(0, 1).flip({0}).unsqueeze(0);  // low bins at the bottom
    hearth_builtin::clear(cr);
    double bar = 56, bottom_axis = 20;
    draw::Box box{0, 0, width - bar, height - bottom_axis};
    hearth_builtin::Placement p = hearth_builtin::paint_image(cr, box, unit, colormap_);
    draw::set_font(cr, 10);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    double img_w = static_cast<double>(unit.size(2)) * p.scale, img_h = static_cast<double>(unit.size(1)) * p.scale;
    draw::text(cr, "time frames 0-" + std::to_string(unit.size(2) - 1) + ", frequency bins 0-" + std::to_string(unit.size(1) - 1) +
                       " (bottom to top)", p.left + img_w / 2, p.top + img_h + 14, 0.5);
    // Colour bar: dB below the peak.
    double bx = width - bar + 8, top = p.top, h = img_h;
    for (int k = 0; k < 64; ++k) {
      draw::set_colour(cr, hearth_builtin::colour_map(colormap_, 1 - k / 63.0));
      cairo_rectangle(cr, bx, top + h * k / 64.0, 10, h / 64.0 + 1);
      cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f dB", peak);
    draw::text(cr, buf, bx + 12, top + 8);
    std::snprintf(buf, sizeof buf, "%.0f dB", peak + floor_db_);
    draw::text(cr, buf, bx + 12, top + h);
  }

 private:
  double floor_db_;
  std::string colormap_;
};

}  // namespace

HEARTH_REGISTER(Spectrogram, "spectrogram", "Draw the amplitude in dB of a spectrogram",
                "Takes a complex [F, T] tensor (for instance from torch::stft), a real [2, F, T] one (real and\n"
                "imaginary parts) or a real [F, T] amplitude; draws 20 log10 |x| relative to the peak, clipped\n"
                "at floor_db, low frequencies at the bottom, with a colour bar in dB.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
