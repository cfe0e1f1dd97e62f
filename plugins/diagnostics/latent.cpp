// `latent`: the samples' activations at a model tap point (or its output), projected on their two
// principal components and drawn as points coloured by class.
#include <hearth/draw.hpp>
#include <hearth/plugin.hpp>

#include <cstdio>

#include "../analyzers/target_choice.hpp"

namespace {

namespace draw = hearth::draw;

class Latent : public hearth::Diagnostic {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::string("layer", "").doc(
            "Model tap point whose activations are projected (a model names its tap points in its doc: "
            "hearth plugins describe MODEL); "
            "empty: the model's first output"),
    };
  }
  explicit Latent(const hearth::Params& p) : layer_(p.get<std::string>("layer")) {}

  std::vector<std::string> taps() const override {
    if (layer_.empty()) return {};
    return {layer_};
  }

  void run(const hearth::DiagnosticInput& in) override {
    torch::NoGradGuard no_grad;
    hearth::TensorList tapped;
    hearth::TensorList outputs = in.forward(in.inputs(), taps(), tapped);
    torch::Tensor x = (layer_.empty() ? outputs.at(0) : tapped.at(0)).detach().to(torch::kCPU, torch::kFloat64);
    x = x.reshape({x.size(0), -1});
    if (x.size(0) < 2) throw std::invalid_argument("latent needs 2 samples or more");
    points_ = principal_coordinates(x, explained_);
    classes_.clear();
    const int64_t target = in.target_index();
    if (target >= 0) {
      torch::Tensor t = in.samples()[static_cast<size_t>(target)];
      t = t.dim() >= 2 ? t.reshape({t.size(0), -1}).argmax(1) : t.reshape({-1});
      t = t.to(torch::kInt64).contiguous();
      classes_.assign(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
    }
    names_ = in.class_names();
    epoch_ = in.epoch();
    in.save_tensor("activations", x);
    in.save_tensor("coordinates", points_);
    in.scalar("explained_1", explained_[0]);
    in.scalar("explained_2", explained_[1]);
  }

  bool draw(cairo_t* cr, int width, int height, const hearth::DiagnosticInput&) override {
    char heading[200];
    std::snprintf(heading, sizeof heading, "%s after epoch %lld: PCA, %.0f%% + %.0f%% of the variance",
                  layer_.empty() ? "outputs" : layer_.c_str(), static_cast<long long>(epoch_), 100 * explained_[0],
                  100 * explained_[1]);
    const double top = draw::title(cr, {0, 0, static_cast<double>(width), static_cast<double>(height)}, heading) + 10;
    const double legend = names_.empty() && classes_.empty() ? 0 : 150;
    const draw::Box plot{40, top, width - 60 - legend, height - top - 40};
    auto a = points_.select(1, 0), b = points_.select(1, 1);
    const double ax = a.min().item<double>(), bx = a.max().item<double>(), ay = b.min().item<double>(), by = b.max().item<double>();
    auto px = [&](double v) { return plot.x + (bx > ax ? (v - ax) / (bx - ax) : 0.5) * plot.width; };
    auto py = [&](double v) { return plot.y + plot.height - (by > ay ? (v - ay) / (by - ay) : 0.5) * plot.height; };
    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    cairo_rectangle(cr, plot.x, plot.y, plot.width, plot.height);
    cairo_stroke(cr);
    for (int64_t i = 0; i < points_.size(0); ++i) {
      const size_t c = i < static_cast<int64_t>(classes_.size()) ? static_cast<size_t>(classes_[static_cast<size_t>(i)]) : 0;
      draw::set_colour(cr, draw::palette_colour(c), 0.8);
      cairo_arc(cr, px(a[i].item<double>()), py(b[i].item<double>()), 3.5, 0, 6.2832);
      cairo_fill(cr);
    }
    draw_legend(cr, plot.x + plot.width + 20, top + 10);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    draw::set_font(cr, 12);
    draw::text(cr, "component 1", plot.x + plot.width / 2, plot.y + plot.height + 24, 0.5);
    return true;
  }

  /// The rows of `x` centred and projected on its two leading principal axes, each axis signed so
  /// that its largest loading is positive (the SVD's sign is arbitrary; this makes it repeatable).
  static torch::Tensor principal_coordinates(const torch::Tensor& x, double explained[2]) {
    torch::Tensor centred = x - x.mean(0, /*keepdim=*/true);
    auto [u, s, vh] = torch::linalg_svd(centred, /*full_matrices=*/false);
    const int64_t k = std::min<int64_t>(2, vh.size(0));
    torch::Tensor axes = vh.slice(0, 0, k).clone();
    for (int64_t r = 0; r < k; ++r)
      if (axes[r][axes[r].abs().argmax()].item<double>() < 0) axes[r] *= -1;
    torch::Tensor coords = centred.matmul(axes.t());
    if (k < 2) coords = torch::cat({coords, torch::zeros({coords.size(0), 2 - k}, coords.options())}, 1);
    const torch::Tensor variance = s * s;
    const double total = variance.sum().item<double>();
    for (int64_t r = 0; r < 2; ++r) explained[r] = r < k && total > 0 ? variance[r].item<double>() / total : 0;
    return coords;
  }

 private:
  void draw_legend(cairo_t* cr, double x, double y) const {
    size_t count = names_.size();
    for (int64_t c : classes_) count = std::max(count, static_cast<size_t>(c) + 1);
    draw::set_font(cr, 12);
    for (size_t c = 0; c < count && c < 20; ++c) {
      draw::set_colour(cr, draw::palette_colour(c));
      cairo_arc(cr, x + 5, y + 18 * static_cast<double>(c) - 4, 5, 0, 6.2832);
      cairo_fill(cr);
      cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
      draw::text(cr, draw::fit_text(cr, hearth_builtin::class_label(names_, c), 120), x + 16, y + 18 * static_cast<double>(c));
    }
  }

  std::string layer_;
  torch::Tensor points_;
  double explained_[2] = {0, 0};
  std::vector<int64_t> classes_;
  std::vector<std::string> names_;
  int64_t epoch_ = 0;
};

}  // namespace

HEARTH_REGISTER(Latent, "latent", "Principal components of a layer's activations, coloured by class",
                "Runs the model on the diagnostic's samples and takes the activations at tap point `layer` (or\n"
                "the first output), flattened per sample, centres them and projects them on their two leading\n"
                "principal axes (each signed so its largest loading is positive). Records the share of variance\n"
                "each axis explains as explained_1 and explained_2, and keeps the activations and the coordinates\n"
                "beside each picture (epoch-NNN.activations.npy, epoch-NNN.coordinates.npy).")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
