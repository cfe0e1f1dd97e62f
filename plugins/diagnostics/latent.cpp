// `latent`: the samples' activations at a model tap point (or its output), mapped to two
// dimensions (principal components, or exact t-SNE) and drawn as points coloured by class. t-SNE
// is written here rather than taken from a library: no Debian C++ package offers it, and the
// exact form is a few tensor operations on at most a few thousand points.
#include <hearth/draw.hpp>
#include <hearth/plugin.hpp>

#include <cmath>
#include <cstdio>
#include <limits>

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
        hearth::Param::string("method", "pca").choices({"pca", "tsne"}).doc(
            "pca: the two leading principal axes (linear, exact, fast); tsne: exact t-SNE (neighbourhoods "
            "kept, distances between clusters not; time and memory grow with samples squared)"),
        hearth::Param::number("perplexity", 30).range(2, 100).doc(
            "t-SNE's effective number of neighbours per sample (at most a third of the samples are used)"),
        hearth::Param::integer("iterations", 1000).range(250, 10000).doc("t-SNE's gradient steps (250 of them exaggerated)"),
    };
  }
  explicit Latent(const hearth::Params& p)
      : layer_(p.get<std::string>("layer")),
        tsne_(p.get<std::string>("method") == "tsne"),
        perplexity_(p.get<double>("perplexity")),
        iterations_(p.get<int64_t>("iterations")) {}

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
    if (tsne_) {
      if (x.size(0) < 4) throw std::invalid_argument("t-SNE needs 4 samples or more (set samples)");
      if (x.size(0) > kMaxTsneSamples)
        throw std::invalid_argument("exact t-SNE of " + std::to_string(x.size(0)) + " samples would hold several " +
                                    "samples x samples matrices: set samples to at most " + std::to_string(kMaxTsneSamples));
      used_perplexity_ = std::min(perplexity_, static_cast<double>(x.size(0) - 1) / 3.0);
      points_ = tsne_coordinates(x, points_, used_perplexity_, iterations_, kl_);
    }
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
    if (tsne_) {
      in.scalar("kl_divergence", kl_);
    } else {
      in.scalar("explained_1", explained_[0]);
      in.scalar("explained_2", explained_[1]);
    }
  }

  bool draw(cairo_t* cr, int width, int height, const hearth::DiagnosticInput&) override {
    char heading[200];
    if (tsne_)
      std::snprintf(heading, sizeof heading, "%s after epoch %lld: t-SNE, perplexity %.3g, KL %.3f",
                    layer_.empty() ? "outputs" : layer_.c_str(), static_cast<long long>(epoch_), used_perplexity_, kl_);
    else
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
    draw::text(cr, tsne_ ? "t-SNE 1 (the axes have no units)" : "component 1", plot.x + plot.width / 2, plot.y + plot.height + 24, 0.5);
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

  /// Exact t-SNE (van der Maaten and Hinton 2008) as scikit-learn's method="exact" runs it:
  /// Gaussian affinities of `perplexity` found by bisection per row, symmetrised; Student-t
  /// affinities in 2-D; gradient descent with gains, momentum 0.5 then 0.8, early exaggeration 12
  /// for 250 steps, learning rate max(n / 48, 50), started from the principal coordinates scaled
  /// to a standard deviation of 1e-4 (no random numbers: the same samples give the same map).
  /// `kl` is KL(P || Q) at the end.
  static torch::Tensor tsne_coordinates(const torch::Tensor& x, const torch::Tensor& start, double perplexity, int64_t iterations,
                                        double& kl) {
    const int64_t n = x.size(0);
    const torch::Tensor p = joint_affinities(squared_distances(x), perplexity);
    const torch::Tensor off_diagonal = 1 - torch::eye(n, x.options());
    torch::Tensor y = start / start.select(1, 0).std().clamp_min(1e-300) * 1e-4;
    torch::Tensor update = torch::zeros_like(y), gains = torch::ones_like(y);
    const double rate = std::max(static_cast<double>(n) / 12.0 / 4.0, 50.0);
    constexpr int64_t kExaggerated = 250;
    for (int64_t step = 0; step < iterations; ++step) {
      const torch::Tensor target = step < kExaggerated ? p * 12.0 : p;
      torch::Tensor kernel;
      const torch::Tensor q = map_affinities(y, off_diagonal, kernel);
      const torch::Tensor pull = (target - q) * kernel;
      const torch::Tensor grad = 4.0 * (pull.sum(1, /*keepdim=*/true) * y - pull.matmul(y));
      const torch::Tensor flipped = (update * grad) < 0;
      gains = torch::where(flipped, gains + 0.2, gains * 0.8).clamp_min(0.01);
      update = (step < kExaggerated ? 0.5 : 0.8) * update - rate * gains * grad;
      y = y + update;
    }
    torch::Tensor kernel;
    kl = (p * torch::log(p / map_affinities(y, off_diagonal, kernel))).sum().item<double>();
    return y;
  }

 private:
  static constexpr int64_t kMaxTsneSamples = 4096;
  static constexpr double kEpsilon = std::numeric_limits<double>::epsilon();

  /// Q: the map's Student-t affinities 1 / (1 + |y_i - y_j|^2) normalised over all pairs; `kernel`
  /// gets the unnormalised ones, which the gradient needs too.
  static torch::Tensor map_affinities(const torch::Tensor& y, const torch::Tensor& off_diagonal, torch::Tensor& kernel) {
    kernel = (1.0 / (1.0 + squared_distances(y))) * off_diagonal;
    return (kernel / kernel.sum()).clamp_min(kEpsilon);
  }

  static torch::Tensor squared_distances(const torch::Tensor& x) {
    const torch::Tensor norms = x.pow(2).sum(1, /*keepdim=*/true);
    return (norms + norms.t() - 2.0 * x.matmul(x.t())).clamp_min(0);
  }

  /// P: each row's p(j|i) proportional to exp(-beta_i d_ij), beta_i bisected until the row's
  /// entropy is log(perplexity), then (P + P^T) / 2n. Rows are shifted by their nearest distance
  /// first, which leaves p(j|i) as it is and keeps the exponentials from underflowing.
  static torch::Tensor joint_affinities(const torch::Tensor& d, double perplexity) {
    const int64_t n = d.size(0);
    const torch::Tensor diagonal = torch::eye(n, d.options()).to(torch::kBool);
    const torch::Tensor nearest = std::get<0>(d.masked_fill(diagonal, std::numeric_limits<double>::infinity()).min(1, true));
    const torch::Tensor shifted = (d - nearest).masked_fill(diagonal, 0);
    const double target = std::log(perplexity);
    torch::Tensor beta = torch::ones({n, 1}, d.options()), low = torch::zeros_like(beta),
                  high = torch::full_like(beta, std::numeric_limits<double>::infinity());
    auto conditional = [&](const torch::Tensor& b, torch::Tensor* entropy) {
      torch::Tensor e = torch::exp(-shifted * b).masked_fill(diagonal, 0);
      const torch::Tensor sum = e.sum(1, /*keepdim=*/true);
      if (entropy) *entropy = torch::log(sum) + b * (shifted * e).sum(1, /*keepdim=*/true) / sum;
      return e / sum;
    };
    for (int step = 0; step < 100; ++step) {
      torch::Tensor entropy;
      conditional(beta, &entropy);
      const torch::Tensor too_wide = entropy > target;  // more neighbours than asked: narrow the kernel
      low = torch::where(too_wide, beta, low);
      high = torch::where(too_wide, high, beta);
      beta = torch::where(torch::isinf(high), beta * 2, (low + high) / 2);
    }
    const torch::Tensor p = conditional(beta, nullptr);
    return ((p + p.t()) / (2.0 * static_cast<double>(n))).clamp_min(kEpsilon);
  }

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
  bool tsne_;
  double perplexity_, used_perplexity_ = 0, kl_ = 0;
  int64_t iterations_;
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
                "beside each picture (epoch-NNN.activations.npy, epoch-NNN.coordinates.npy). With method = \"tsne\"\n"
                "the map is exact t-SNE (scikit-learn's method=\"exact\", started from the principal coordinates,\n"
                "so without random numbers) and its final KL divergence is recorded as kl_divergence; at most\n"
                "4096 samples.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
