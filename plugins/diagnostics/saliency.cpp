// `saliency`: how much each input value moves the model's score for a class: the gradient of that
// score with respect to the input, drawn as a heat map beside each sample, with its norm per sample.
#include <hearth/draw.hpp>
#include <hearth/plugin.hpp>

#include <cmath>

#include "model_output.hpp"

namespace {

namespace draw = hearth::draw;

class Saliency : public hearth::Diagnostic {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::integer("count", 8).range(1, 64).doc("How many of the samples the picture shows"),
        hearth::Param::integer("output", 0).min(0).doc("Which model output holds the scores"),
        hearth::Param::string("class", "predicted").choices({"predicted", "true"}).doc(
            "Whose score is differentiated: the model's predicted class or the sample's true class"),
    };
  }
  explicit Saliency(const hearth::Params& p)
      : count_(p.get<int64_t>("count")), output_(p.get<int64_t>("output")), true_class_(p.get<std::string>("class") == "true") {}

  void run(const hearth::DiagnosticInput& in) override {
    hearth::TensorList inputs = in.inputs();
    if (inputs.empty()) throw std::invalid_argument("the samples have no input tensor");
    torch::Tensor x = inputs[0].detach().to(torch::kFloat32).clone().requires_grad_(true);
    inputs[0] = x;
    hearth::TensorList outputs = in.forward(inputs);
    torch::Tensor scores = hearth_builtin::model_output(outputs, output_).reshape({x.size(0), -1});
    torch::Tensor chosen = scores.argmax(1);
    if (true_class_) {
      const int64_t target = in.target_index();
      if (target < 0) throw std::invalid_argument("class = \"true\", but the samples have no target tensor");
      torch::Tensor t = in.samples()[static_cast<size_t>(target)];
      chosen = (t.dim() >= 2 ? t.reshape({t.size(0), -1}).argmax(1) : t.reshape({-1})).to(scores.device()).to(torch::kInt64);
    }
    // Samples do not interact in evaluation mode, so one backward gives every sample's gradient.
    torch::Tensor picked = scores.gather(1, chosen.to(scores.device()).unsqueeze(1)).sum();
    gradients_ = torch::autograd::grad({picked}, {x})[0].detach().to(torch::kCPU);
    inputs_ = x.detach().to(torch::kCPU);
    norms_ = gradients_.reshape({gradients_.size(0), -1}).norm(2, 1);
    in.save_tensor("inputs", inputs_);
    in.save_tensor("gradients", gradients_);
    in.histogram("gradient_norm", norms_);
    in.scalar("mean_gradient_norm", norms_.mean().item<double>());
  }

  bool draw(cairo_t* cr, int width, int height, const hearth::DiagnosticInput& in) override {
    size_t input = 0;
    while (input < in.roles().size() && in.roles()[input] != HEARTH_ROLE_INPUT) ++input;
    const int64_t n = std::min<int64_t>(count_, inputs_.size(0));
    const double top = draw::title(cr, {0, 0, static_cast<double>(width), static_cast<double>(height)},
                                   "Saliency after epoch " + std::to_string(in.epoch())) + 8;
    const int64_t columns = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(std::sqrt(n * 0.5 * width / height))));
    const int64_t rows = (n + columns - 1) / columns;
    const double cell_w = width / static_cast<double>(columns), cell_h = (height - top) / static_cast<double>(rows);
    const double side = std::max(8.0, std::min(cell_w / 2 - 6, cell_h - 20));
    for (int64_t k = 0; k < n; ++k) {
      const double x = (k % columns) * cell_w + 4, y = top + (k / columns) * cell_h;
      cairo_save(cr);
      cairo_translate(cr, x, y);
      cairo_rectangle(cr, 0, 0, side, side);
      cairo_clip(cr);
      in.render(cr, static_cast<int>(side), static_cast<int>(side), inputs_[k], input);
      cairo_restore(cr);
      heat_map(cr, gradients_[k], x + side + 4, y, side);
      cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
      draw::set_font(cr, 10);
      char label[64];
      std::snprintf(label, sizeof label, "|grad| %.3g", norms_[k].item<double>());
      draw::text(cr, label, x + side + 2, y + side + 13, 0.5);
    }
    return true;
  }

 private:
  /// |gradient| of one sample as a square heat map: the largest over channels of a CHW image,
  /// a strip for a vector.
  static void heat_map(cairo_t* cr, const torch::Tensor& g, double x, double y, double side) {
    torch::Tensor m = g.abs();
    if (m.dim() == 3) m = std::get<0>(m.max(0));
    if (m.dim() != 2) m = m.reshape({1, -1});
    const double peak = std::max(m.max().item<double>(), 1e-30);
    const int64_t h = m.size(0), w = m.size(1);
    const double ch = side / static_cast<double>(h), cw = side / static_cast<double>(w);
    auto a = m.accessor<float, 2>();
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j) {
        draw::set_colour(cr, draw::viridis(a[i][j] / peak));
        cairo_rectangle(cr, x + j * cw, y + i * ch, cw + 0.5, ch + 0.5);
        cairo_fill(cr);
      }
  }

  int64_t count_, output_;
  bool true_class_;
  torch::Tensor inputs_, gradients_, norms_;
};

}  // namespace

HEARTH_REGISTER(Saliency, "saliency", "Input gradients of a class score, as heat maps beside the samples",
                "Differentiates the score of the predicted (or true) class in output `output` with respect to\n"
                "the first input tensor, for each of the diagnostic's samples, and draws |gradient| (largest over\n"
                "channels) beside the first `count` samples. Records each sample's gradient norm as a histogram\n"
                "and its mean as mean_gradient_norm; keeps the inputs and the gradients (epoch-NNN.inputs.npy,\n"
                "epoch-NNN.gradients.npy).")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
