// `weights`: each parameter's distribution and its gradient's (TensorBoard histograms), and how
// far training moved it since the diagnostic last ran (update / weight, a scalar and a bar).
#include <hearth/draw.hpp>
#include <hearth/plugin.hpp>

#include <map>

namespace {

namespace draw = hearth::draw;

class Weights : public hearth::Diagnostic {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::boolean("histograms", true).doc("Record each parameter's values and gradient as histograms"),
    };
  }
  explicit Weights(const hearth::Params& p) : histograms_(p.get<bool>("histograms")) {}

  void run(const hearth::DiagnosticInput& in) override {
    torch::NoGradGuard no_grad;
    names_.clear();
    rms_.clear();
    ratios_.clear();
    compared_ = !previous_.empty();
    for (const auto& [name, w] : in.parameters()) {
      torch::Tensor now = w.detach().to(torch::kCPU, torch::kFloat64);
      const double norm = now.norm().item<double>();
      names_.push_back(name);
      rms_.push_back(now.numel() ? norm / std::sqrt(static_cast<double>(now.numel())) : 0.0);
      auto before = previous_.find(name);
      // The relative change since the last run: the update of `every` epochs over the weight's size.
      const double ratio =
          before != previous_.end() && norm > 0 ? (now - before->second).norm().item<double>() / before->second.norm().item<double>() : 0.0;
      ratios_.push_back(ratio);
      if (before != previous_.end()) in.scalar(name + ".update_ratio", ratio);
      if (histograms_) {
        in.histogram(name, now);
        if (w.grad().defined()) in.histogram(name + ".grad", w.grad().detach());
      }
      previous_[name] = now.clone();
    }
    epoch_ = in.epoch();
  }

  bool draw(cairo_t* cr, int width, int height, const hearth::DiagnosticInput&) override {
    const double half = height / 2.0;
    draw::bar_chart(cr, {0, 0, static_cast<double>(width), half}, "Weight RMS per parameter, epoch " + std::to_string(epoch_),
                    "RMS", names_, rms_, draw::palette_colour(0));
    if (compared_) {
      draw::bar_chart(cr, {0, half, static_cast<double>(width), half}, "Update / weight since the last run", "ratio", names_,
                      ratios_, draw::palette_colour(1));
      return true;
    }
    // Its first run in this process (a new or resumed run): no bars of zeros that look measured.
    const double top = draw::title(cr, {0, half, static_cast<double>(width), half}, "Update / weight since the last run");
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
    draw::set_font(cr, 13);
    draw::text(cr, "nothing to compare with yet: the first run of this diagnostic in this process", width / 2.0, top + 40, 0.5);
    return true;
  }

 private:
  bool histograms_;
  std::map<std::string, torch::Tensor> previous_;
  std::vector<std::string> names_;
  std::vector<double> rms_, ratios_;
  bool compared_ = false;
  int64_t epoch_ = 0;
};

}  // namespace

HEARTH_REGISTER(Weights, "weights", "Per-parameter weight sizes, updates and histograms",
                "For each trainable parameter: its RMS, the relative change since the diagnostic last ran\n"
                "(|w - w_before| / |w_before|, recorded as `<parameter>.update_ratio`; a healthy rate is near\n"
                "1e-3 per step), and, with `histograms`, TensorBoard histograms of its values and gradient.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
