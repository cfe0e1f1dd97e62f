// Learning-rate schedules: multistep, exponential, cosine (with warmup), onecycle,
// reduce_on_plateau and none. Each computes rates; the host applies them to the optimizer.
#include <hearth/plugin.hpp>

#include <algorithm>
#include <cmath>

namespace {

constexpr double kPi = 3.14159265358979323846;

hearth::Param interval_param(const char* def) {
  return hearth::Param::string("interval", def).choices({"epoch", "batch"}).doc("What one step counts");
}

/// Base for schedules whose interval is a parameter.
class IntervalScheduler : public hearth::Scheduler {
 public:
  explicit IntervalScheduler(const hearth::Params& p) : per_batch_(p.get<std::string>("interval") == "batch") {}
  hearth_step_interval interval() const override { return per_batch_ ? HEARTH_STEP_BATCH : HEARTH_STEP_EPOCH; }

 private:
  bool per_batch_;
};

class MultiStep : public IntervalScheduler {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::integers("milestones", {30, 60}).min(1).doc("Steps at which the rate is multiplied by gamma"),
            hearth::Param::number("gamma", 0.1).range(0, 1).doc("Factor at each milestone"), interval_param("epoch")};
  }
  explicit MultiStep(const hearth::Params& p)
      : IntervalScheduler(p), milestones_(p.get<std::vector<int64_t>>("milestones")), gamma_(p.get<double>("gamma")) {}

 protected:
  double rate(size_t, double base, int64_t steps, std::optional<double>) override {
    auto passed = std::count_if(milestones_.begin(), milestones_.end(), [&](int64_t m) { return steps >= m; });
    return base * std::pow(gamma_, static_cast<double>(passed));
  }

 private:
  std::vector<int64_t> milestones_;
  double gamma_;
};

class Exponential : public IntervalScheduler {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::number("gamma", 0.95).range(0, 1).doc("Factor applied at every step"), interval_param("epoch")};
  }
  explicit Exponential(const hearth::Params& p) : IntervalScheduler(p), gamma_(p.get<double>("gamma")) {}

 protected:
  double rate(size_t, double base, int64_t steps, std::optional<double>) override {
    return base * std::pow(gamma_, static_cast<double>(steps));
  }

 private:
  double gamma_;
};

class Cosine : public IntervalScheduler {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::integer("t_max", 10).min(1).doc("Steps from the base rate down to eta_min (after warmup)"),
            hearth::Param::number("eta_min", 0.0).min(0).doc("Lowest rate"),
            hearth::Param::integer("warmup", 0).min(0).doc("Steps of linear warmup from 0 to the base rate"),
            interval_param("epoch")};
  }
  explicit Cosine(const hearth::Params& p)
      : IntervalScheduler(p), t_max_(p.get<int64_t>("t_max")), eta_min_(p.get<double>("eta_min")), warmup_(p.get<int64_t>("warmup")) {}
  void start(const std::vector<double>& base) override {
    hearth::Scheduler::start(base);
    if (warmup_ > 0)
      for (double& lr : lrs_) lr = lr / static_cast<double>(warmup_ + 1);
  }

 protected:
  double rate(size_t, double base, int64_t steps, std::optional<double>) override {
    if (steps < warmup_) return base * static_cast<double>(steps + 1) / static_cast<double>(warmup_ + 1);
    double t = std::min<double>(static_cast<double>(steps - warmup_), static_cast<double>(t_max_));
    return eta_min_ + (base - eta_min_) * (1 + std::cos(kPi * t / static_cast<double>(t_max_))) / 2;
  }

 private:
  int64_t t_max_;
  double eta_min_;
  int64_t warmup_;
};

class OneCycle : public IntervalScheduler {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::integer("total_steps", 1000).min(2).doc("Length of the cycle in steps (batches by default)"),
            hearth::Param::number("max_lr_factor", 10.0).min(1).doc("Peak rate as a multiple of the optimizer's rate"),
            hearth::Param::number("pct_start", 0.3).range(0.01, 0.99).doc("Share of the cycle spent increasing"),
            hearth::Param::number("final_div_factor", 1e4).min(1).doc("The last rate is the first divided by this"),
            interval_param("batch")};
  }
  explicit OneCycle(const hearth::Params& p)
      : IntervalScheduler(p),
        total_(p.get<int64_t>("total_steps")),
        factor_(p.get<double>("max_lr_factor")),
        pct_(p.get<double>("pct_start")),
        final_div_(p.get<double>("final_div_factor")) {}

 protected:
  // The optimizer's rate is the starting rate; it rises to factor x that, then anneals (cosine).
  double rate(size_t, double base, int64_t steps, std::optional<double>) override {
    double peak = base * factor_, end = base / final_div_;
    double up = pct_ * static_cast<double>(total_ - 1);
    double s = std::min<double>(static_cast<double>(steps), static_cast<double>(total_ - 1));
    auto anneal = [](double from, double to, double t) { return to + (from - to) * (1 + std::cos(kPi * t)) / 2; };
    if (s <= up) return anneal(base, peak, s / up);
    return anneal(peak, end, (s - up) / (static_cast<double>(total_ - 1) - up));
  }

 private:
  int64_t total_;
  double factor_, pct_, final_div_;
};

class ReduceOnPlateau : public hearth::Scheduler {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::string("mode", "min").choices({"min", "max"}).doc("Whether the monitored value should fall or rise"),
            hearth::Param::number("factor", 0.1).range(0, 1).doc("Factor applied when the value stalls"),
            hearth::Param::integer("patience", 10).min(0).doc("Epochs without improvement before reducing"),
            hearth::Param::number("threshold", 1e-4).min(0).doc("Relative change that counts as improvement"),
            hearth::Param::number("min_lr", 0.0).min(0).doc("Lowest rate")};
  }
  explicit ReduceOnPlateau(const hearth::Params& p)
      : max_(p.get<std::string>("mode") == "max"),
        factor_(p.get<double>("factor")),
        patience_(p.get<int64_t>("patience")),
        threshold_(p.get<double>("threshold")),
        min_lr_(p.get<double>("min_lr")) {}

  std::vector<double> step(std::optional<double> monitored) override {
    ++steps_;
    if (!monitored) return lrs_;  // nothing to judge by: keep the rates
    double v = *monitored;
    bool better = !has_best_ || (max_ ? v > best_ * (1 + threshold_) : v < best_ * (1 - threshold_));
    if (better) {
      best_ = v;
      has_best_ = true;
      bad_ = 0;
    } else if (++bad_ > patience_) {
      for (double& lr : lrs_) lr = std::max(min_lr_, lr * factor_);
      bad_ = 0;
    }
    return lrs_;
  }
  void save(torch::serialize::OutputArchive& a) const override {
    hearth::Scheduler::save(a);
    a.write("plateau", torch::tensor({best_, static_cast<double>(bad_), has_best_ ? 1.0 : 0.0}, torch::kFloat64));
  }
  void load(torch::serialize::InputArchive& a) override {
    hearth::Scheduler::load(a);
    torch::Tensor t;
    a.read("plateau", t);
    best_ = t[0].item<double>();
    bad_ = static_cast<int64_t>(t[1].item<double>());
    has_best_ = t[2].item<double>() != 0;
  }

 protected:
  double rate(size_t g, double, int64_t, std::optional<double>) override { return lrs_[g]; }

 private:
  bool max_;
  double factor_;
  int64_t patience_;
  double threshold_, min_lr_;
  double best_ = 0;
  int64_t bad_ = 0;
  bool has_best_ = false;
};

class Constant : public hearth::Scheduler {
 public:
  explicit Constant(const hearth::Params&) {}

 protected:
  double rate(size_t, double base, int64_t, std::optional<double>) override { return base; }
};

}  // namespace

HEARTH_REGISTER(MultiStep, "multistep", "Multiply the rate by gamma at each milestone", "As torch MultiStepLR.")
HEARTH_REGISTER(Exponential, "exponential", "Multiply the rate by gamma every step", "As torch ExponentialLR.")
HEARTH_REGISTER(Cosine, "cosine", "Cosine annealing with optional linear warmup",
                "Linear warmup over `warmup` steps, then half a cosine from the base rate to eta_min over t_max steps.")
HEARTH_REGISTER(OneCycle, "onecycle", "One-cycle policy: up to a peak, then annealed far below the start",
                "Cosine up from the optimizer's rate to max_lr_factor times it over pct_start of total_steps, then\n"
                "cosine down to the start divided by final_div_factor. Steps per batch by default.")
HEARTH_REGISTER(ReduceOnPlateau, "reduce_on_plateau", "Reduce the rate when the monitored value stalls",
                "Watches [train] monitor (e.g. valid.loss) after each epoch; after `patience` epochs without a\n"
                "relative improvement of `threshold`, multiplies every rate by `factor` (not below min_lr).")
HEARTH_REGISTER(Constant, "none", "Keep the optimizer's rate", "A schedule that never changes the rate.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
