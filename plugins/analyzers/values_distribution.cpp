// `values_distribution`: min, max, mean, standard deviation and a histogram of the values of each
// tensor of the samples, in one pass (the histogram's range widens as new values arrive).
#include <hearth/draw.hpp>
#include <hearth/plugin.hpp>

#include <cmath>
#include <cstdio>

namespace {

/// Streaming statistics of one tensor: Welford's mean and variance merged batch-wise (stable for
/// millions of values), and a histogram whose bin width doubles whenever a value falls outside.
class Distribution {
 public:
  explicit Distribution(int64_t bins) : counts_(static_cast<size_t>(bins), 0.0) {}

  void add(const torch::Tensor& values) {
    torch::Tensor v = values.detach().reshape({-1}).to(torch::kCPU, torch::kFloat64);
    torch::Tensor finite = torch::isfinite(v);
    int64_t kept = finite.sum().item<int64_t>();
    nonfinite_ += v.numel() - kept;
    if (kept == 0) return;
    if (kept != v.numel()) v = v.masked_select(finite);
    double lo = v.min().item<double>(), hi = v.max().item<double>();
    double mean = v.mean().item<double>(), m2 = (v - mean).pow(2).sum().item<double>();
    double n = static_cast<double>(count_), k = static_cast<double>(kept), delta = mean - mean_;
    mean_ += delta * k / (n + k);
    m2_ += m2 + delta * delta * n * k / (n + k);
    count_ += kept;
    min_ = std::min(min_, lo);
    max_ = std::max(max_, hi);
    cover(lo, hi);
    auto bins = static_cast<int64_t>(counts_.size());
    torch::Tensor index = ((v - start_) / width_).floor().clamp(0, static_cast<double>(bins - 1)).to(torch::kLong);
    torch::Tensor add = torch::bincount(index, {}, bins).to(torch::kFloat64).contiguous();
    const double* a = add.data_ptr<double>();
    for (int64_t i = 0; i < bins; ++i) counts_[static_cast<size_t>(i)] += a[i];
  }

  int64_t count() const { return count_; }
  int64_t nonfinite() const { return nonfinite_; }
  double min() const { return min_; }
  double max() const { return max_; }
  double mean() const { return mean_; }
  double std() const { return count_ > 1 ? std::sqrt(m2_ / static_cast<double>(count_ - 1)) : 0.0; }

  /// The histogram cut to the bins that hold values: (first edge, last edge, counts).
  void used_bins(double& lo, double& hi, std::vector<double>& out) const {
    size_t first = 0, last = counts_.size();
    while (first < last && counts_[first] == 0) ++first;
    while (last > first && counts_[last - 1] == 0) --last;
    out.assign(counts_.begin() + static_cast<std::ptrdiff_t>(first), counts_.begin() + static_cast<std::ptrdiff_t>(last));
    lo = start_ + width_ * static_cast<double>(first);
    hi = start_ + width_ * static_cast<double>(last);
  }

 private:
  /// Widens the histogram until [lo, hi] fits, merging pairs of bins (the bin count is even).
  void cover(double lo, double hi) {
    auto bins = static_cast<double>(counts_.size());
    if (width_ == 0) {
      start_ = lo;
      width_ = hi > lo ? (hi - lo) / bins * (1 + 1e-9) : std::max(std::abs(lo) * 1e-3, 1e-6);
      return;
    }
    while (lo < start_ || hi >= start_ + width_ * bins) {
      std::vector<double> merged(counts_.size(), 0.0);
      size_t half = counts_.size() / 2;
      bool down = lo < start_;
      for (size_t i = 0; i < counts_.size(); ++i) merged[(down ? half : 0) + i / 2] += counts_[i];
      if (down) start_ -= width_ * bins;
      width_ *= 2;
      counts_ = std::move(merged);
    }
  }

  std::vector<double> counts_;
  double start_ = 0, width_ = 0;
  int64_t count_ = 0, nonfinite_ = 0;
  double mean_ = 0, m2_ = 0, min_ = INFINITY, max_ = -INFINITY;
};

std::string number(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

class ValuesDistribution : public hearth::Analyzer {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::strings("tensors", {}).doc("Names of the tensors to describe; empty: every tensor"),
        hearth::Param::integer("bins", 64).range(8, 1024).doc("Histogram bins (an even number)"),
    };
  }
  explicit ValuesDistribution(const hearth::Params& p)
      : wanted_(p.get<std::vector<std::string>>("tensors")), bins_(p.get<int64_t>("bins") / 2 * 2) {}

  void start(const hearth::SampleInfo& info) override {
    names_.clear();
    slots_.clear();
    stats_.clear();
    for (const std::string& w : wanted_)
      if (std::find(info.tensor_names.begin(), info.tensor_names.end(), w) == info.tensor_names.end())
        throw std::invalid_argument("values_distribution: the samples have no tensor named '" + w + "'");
    for (size_t i = 0; i < info.tensor_names.size(); ++i)
      if (wanted_.empty() || std::find(wanted_.begin(), wanted_.end(), info.tensor_names[i]) != wanted_.end()) {
        names_.push_back(info.tensor_names[i]);
        slots_.push_back(i);
        stats_.emplace_back(bins_);
      }
  }

  void take(const hearth::TensorList& sample) override {
    for (size_t k = 0; k < slots_.size(); ++k) stats_[k].add(sample.at(slots_[k]));
  }

  void report(cairo_t* cr, int width, int height) override {
    size_t n = std::max<size_t>(1, stats_.size());
    size_t columns = n == 1 ? 1 : 2, rows = (n + columns - 1) / columns;
    double w = static_cast<double>(width) / static_cast<double>(columns), h = (static_cast<double>(height) - 40) / static_cast<double>(rows);
    hearth::draw::title(cr, {0, 0, static_cast<double>(width), 40}, "Values of each tensor");
    for (size_t k = 0; k < stats_.size(); ++k) {
      const Distribution& d = stats_[k];
      std::string heading = names_[k] + ": min " + number(d.min()) + ", max " + number(d.max()) + ", mean " +
                            number(d.mean()) + ", std " + number(d.std());
      if (d.nonfinite()) heading += ", " + std::to_string(d.nonfinite()) + " NaN/Inf";
      double lo = 0, hi = 1;
      std::vector<double> counts;
      d.used_bins(lo, hi, counts);
      hearth::draw::histogram(cr, {w * static_cast<double>(k % columns), 40 + h * static_cast<double>(k / columns), w, h},
                              heading, "value", lo, hi, counts, hearth::draw::palette_colour(k));
    }
  }

  std::vector<std::pair<std::string, std::string>> summary() override {
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t k = 0; k < stats_.size(); ++k) {
      const Distribution& d = stats_[k];
      out.emplace_back(names_[k] + ".count", std::to_string(d.count()));
      out.emplace_back(names_[k] + ".min", number(d.min()));
      out.emplace_back(names_[k] + ".max", number(d.max()));
      out.emplace_back(names_[k] + ".mean", number(d.mean()));
      out.emplace_back(names_[k] + ".std", number(d.std()));
      out.emplace_back(names_[k] + ".nonfinite", std::to_string(d.nonfinite()));
    }
    return out;
  }

 private:
  std::vector<std::string> wanted_;
  int64_t bins_;
  std::vector<std::string> names_;
  std::vector<size_t> slots_;
  std::vector<Distribution> stats_;
};

}  // namespace

HEARTH_REGISTER(ValuesDistribution, "values_distribution", "Min, max, mean, std and a histogram per tensor",
                "Describes the values of each tensor of the samples in one pass: min, max, mean and standard\n"
                "deviation (Welford, merged per sample) and a histogram whose range widens as values arrive;\n"
                "NaN and Inf are counted apart. Useful to choose a normalisation.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
