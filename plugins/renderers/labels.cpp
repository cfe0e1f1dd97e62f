// `labels`: a class label as text, or class scores as bars (after softmax or sigmoid), named
// by the dataset's classes.
#include <hearth/plugin.hpp>

#include <cstdio>

#include "image_paint.hpp"

namespace {

namespace draw = hearth::draw;

class Labels : public hearth::Renderer {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::string("activation", "auto").choices({"auto", "softmax", "sigmoid", "none"}).doc(
            "How scores become probabilities; auto: softmax unless they already sum to 1"),
        hearth::Param::integer("top", 5).range(1, 100).doc("Bars for the highest scores"),
    };
  }
  explicit Labels(const hearth::Params& p) : activation_(p.get<std::string>("activation")), top_(p.get<int64_t>("top")) {}

  void render(cairo_t* cr, int width, int height, const torch::Tensor& tensor, const hearth::RenderContext& ctx) override {
    torch::Tensor t = tensor.detach().to(torch::kCPU);
    hearth_builtin::clear(cr);
    auto name = [&](int64_t c) {
      return c >= 0 && static_cast<size_t>(c) < ctx.class_names.size() ? ctx.class_names[static_cast<size_t>(c)]
                                                                        : "class " + std::to_string(c);
    };
    if (t.numel() == 1) {
      // A label: the class name, large; a real value: the number.
      std::string s;
      if (t.is_floating_point() && ctx.class_names.empty()) {
        char b[32];
        std::snprintf(b, sizeof b, "%.4g", t.item<double>());
        s = b;
      } else {
        s = name(t.item<int64_t>());
      }
      double size = std::min(height * 0.3, 40.0);
      draw::set_font(cr, size, true);
      while (size > 8 && draw::text_width(cr, s) > width - 8) draw::set_font(cr, size *= 0.9, true);
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      draw::text(cr, s, width / 2.0, height / 2.0 + size / 3, 0.5);
      return;
    }
    if (t.dim() != 1 && !(t.dim() == 2 && t.size(0) == 1))
      throw std::invalid_argument("labels draws a scalar or a vector of class scores, got shape " + hearth_builtin::shape_text(tensor));
    torch::Tensor s = t.reshape({-1}).to(torch::kFloat64);
    std::string act = activation_;
    if (act == "auto") {
      bool probabilities = s.min().item<double>() >= 0 && std::abs(s.sum().item<double>() - 1) < 1e-3;
      act = probabilities ? "none" : "softmax";
    }
    if (act == "softmax") s = torch::softmax(s, 0);
    if (act == "sigmoid") s = torch::sigmoid(s);
    int64_t k = std::min<int64_t>(top_, s.numel());
    auto [values, indices] = s.topk(k);
    double row = std::min(28.0, (height - 8.0) / static_cast<double>(k));
    draw::set_font(cr, std::max(9.0, row * 0.5));
    double label_w = 0;
    for (int64_t i = 0; i < k; ++i) label_w = std::max(label_w, draw::text_width(cr, name(indices[i].item<int64_t>())));
    label_w = std::min(label_w, width * 0.45);
    double left = label_w + 10, right = width - 48.0;
    for (int64_t i = 0; i < k; ++i) {
      double v = values[i].item<double>(), y = 4 + row * static_cast<double>(i);
      draw::set_colour(cr, i == 0 ? draw::palette_colour(0) : draw::Colour{0.6, 0.7, 0.82});
      cairo_rectangle(cr, left, y + row * 0.15, std::max(1.0, (right - left) * std::clamp(v, 0.0, 1.0)), row * 0.7);
      cairo_fill(cr);
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      draw::text(cr, draw::fit_text(cr, name(indices[i].item<int64_t>()), label_w), left - 5, y + row * 0.68, 1);
      char b[16];
      std::snprintf(b, sizeof b, "%.0f%%", 100 * v);
      draw::text(cr, b, right + 4, y + row * 0.68);
    }
  }

 private:
  std::string activation_;
  int64_t top_;
};

}  // namespace

HEARTH_REGISTER(Labels, "labels", "Draw a class label as text or class scores as bars",
                "A one-element tensor is drawn as its class name (or its value, for a real number without\n"
                "classes); a vector of scores as bars of the top classes after softmax or sigmoid (auto:\n"
                "softmax unless the scores already are probabilities), named by the dataset's classes.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
