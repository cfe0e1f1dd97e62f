// `signal`: a W or CW tensor as one line plot per channel, with a grid and a legend.
#include <hearth/plugin.hpp>

#include <cmath>

#include "image_paint.hpp"

namespace {

namespace draw = hearth::draw;

class Signal : public hearth::Renderer {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::boolean("grid", true).doc("Draw grid lines at the ticks"),
        hearth::Param::boolean("legend", true).doc("Name the channels (when there are several)"),
        hearth::Param::strings("channels", {}).doc("Channel names for the legend (default: channel 0, 1, ...)"),
        hearth::Param::number("sample_rate", 0.0).min(0).doc("Samples per second: the x axis in seconds (0: in samples)"),
    };
  }
  explicit Signal(const hearth::Params& p)
      : grid_(p.get<bool>("grid")),
        legend_(p.get<bool>("legend")),
        names_(p.get<std::vector<std::string>>("channels")),
        rate_(p.get<double>("sample_rate")) {}

  void render(cairo_t* cr, int width, int height, const torch::Tensor& tensor, const hearth::RenderContext&) override {
    torch::Tensor t = tensor.detach().to(torch::kCPU, torch::kFloat64);
    if (t.dim() == 1) t = t.unsqueeze(0);
    if (t.dim() != 2 || t.size(1) < 1)
      throw std::invalid_argument("signal draws W or CW tensors (channels x samples), got shape " + hearth_builtin::shape_text(tensor));
    t = t.contiguous();
    int64_t channels = t.size(0), n = t.size(1);
    torch::Tensor finite = t.masked_select(torch::isfinite(t));
    double lo = finite.numel() ? finite.min().item<double>() : 0, hi = finite.numel() ? finite.max().item<double>() : 1;
    if (hi <= lo) lo -= 1, hi += 1;
    double pad = (hi - lo) * 0.05;
    lo -= pad, hi += pad;
    hearth_builtin::clear(cr);
    draw::set_font(cr, 11);
    std::vector<double> yt = draw::nice_ticks(lo, hi, std::max(2, height / 60));
    double label_w = 0;
    for (double v : yt) label_w = std::max(label_w, draw::text_width(cr, draw::tick_label(v)));
    bool show_legend = legend_ && channels > 1;
    double left = label_w + 12, right = width - 8.0, top = show_legend ? 24 : 8, bottom = height - 22.0;
    double x_span = rate_ > 0 ? static_cast<double>(n - 1) / rate_ : static_cast<double>(n - 1);
    if (x_span <= 0) x_span = 1;
    auto px = [&](double i) { return left + i / std::max<double>(1, static_cast<double>(n - 1)) * (right - left); };
    auto py = [&](double v) { return bottom - (v - lo) / (hi - lo) * (bottom - top); };
    cairo_set_line_width(cr, 1);
    for (double v : yt) draw::y_tick(cr, left, right, py(v), draw::tick_label(v), grid_);
    for (double v : draw::nice_ticks(0, x_span, std::max(2, width / 90)))
      draw::x_tick(cr, top, bottom, left + v / x_span * (right - left), draw::tick_label(v) + (rate_ > 0 ? " s" : ""), grid_);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_rectangle(cr, left, top, right - left, bottom - top);
    cairo_stroke(cr);
    auto acc = t.accessor<double, 2>();
    cairo_save(cr);
    cairo_rectangle(cr, left, top, right - left, bottom - top);
    cairo_clip(cr);
    cairo_set_line_width(cr, 1.5);
    // Long signals: one vertical min-max stroke per pixel column keeps peaks visible and cheap.
    int64_t per_pixel = std::max<int64_t>(1, n / std::max<int64_t>(1, static_cast<int64_t>(right - left)));
    for (int64_t c = 0; c < channels; ++c) {
      draw::set_colour(cr, draw::palette_colour(static_cast<size_t>(c)));
      bool pen = false;
      for (int64_t i = 0; i < n; i += per_pixel) {
        double v_lo = INFINITY, v_hi = -INFINITY;
        for (int64_t k = i; k < std::min(n, i + per_pixel); ++k)
          if (std::isfinite(acc[c][k])) v_lo = std::min(v_lo, acc[c][k]), v_hi = std::max(v_hi, acc[c][k]);
        if (!std::isfinite(v_lo)) {
          pen = false;
          continue;
        }
        if (pen) cairo_line_to(cr, px(static_cast<double>(i)), py(v_lo));
        else cairo_move_to(cr, px(static_cast<double>(i)), py(v_lo));
        if (v_hi != v_lo) cairo_line_to(cr, px(static_cast<double>(i)), py(v_hi));
        pen = true;
      }
      cairo_stroke(cr);
    }
    cairo_restore(cr);
    if (show_legend) {
      double x = left;
      for (int64_t c = 0; c < channels && x < right - 40; ++c) {
        std::string name = static_cast<size_t>(c) < names_.size() ? names_[static_cast<size_t>(c)] : "channel " + std::to_string(c);
        draw::set_colour(cr, draw::palette_colour(static_cast<size_t>(c)));
        cairo_rectangle(cr, x, 8, 14, 4);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        draw::text(cr, name, x + 18, 15);
        x += 30 + draw::text_width(cr, name);
      }
    }
  }

 private:
  bool grid_, legend_;
  std::vector<std::string> names_;
  double rate_;
};

}  // namespace

HEARTH_REGISTER(Signal, "signal", "Draw a W or CW tensor as line plots",
                "One line per channel over the samples, with value and time ticks, a grid and a legend.\n"
                "Long signals are drawn as a min-max envelope per pixel column, so peaks stay visible.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
