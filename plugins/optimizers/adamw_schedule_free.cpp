// `adamw_schedule_free`: Schedule-Free AdamW (Defazio et al., 2024, "The Road Less Scheduled").
// Training evaluates gradients at y, an interpolation between the fast iterate z and the average
// x; evaluation and checkpoints use x. The host announces the switch through the optimizer's
// train() entry (ABI 1.1), exactly as it switches the model.
#include <hearth/plugin.hpp>

#include <cmath>

namespace {

class AdamWScheduleFree : public hearth::Optimizer {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::number("lr", 0.0025).min(0).doc("Learning rate (no schedule needed)"),
            hearth::Param::number("beta1", 0.9).range(0, 0.9999).doc("Interpolation (momentum) between x and z"),
            hearth::Param::number("beta2", 0.999).range(0, 1).doc("Decay of the second moment"),
            hearth::Param::number("eps", 1e-8).min(0).doc("Term added to the denominator"),
            hearth::Param::number("weight_decay", 0.0).min(0).doc("Weight decay, applied at y"),
            hearth::Param::integer("warmup_steps", 0).min(0).doc("Steps of linear learning-rate warmup")};
  }
  explicit AdamWScheduleFree(const hearth::Params& p)
      : lr_(p.get<double>("lr")),
        beta1_(p.get<double>("beta1")),
        beta2_(p.get<double>("beta2")),
        eps_(p.get<double>("eps")),
        decay_(p.get<double>("weight_decay")),
        warmup_(p.get<int64_t>("warmup_steps")) {}

  void bind(const hearth::TensorList& parameters) override {
    params_ = parameters;
    z_.clear();
    v_.clear();
    for (const auto& p : params_) {
      z_.push_back(p.detach().clone());
      v_.push_back(torch::zeros_like(p));
    }
  }

  void step() override {
    torch::NoGradGuard no_grad;
    if (!training_) throw std::logic_error("adamw_schedule_free stepped in evaluation mode");
    double sched = warmup_ > 0 ? std::min(1.0, static_cast<double>(k_ + 1) / static_cast<double>(warmup_)) : 1.0;
    double bias2 = 1 - std::pow(beta2_, static_cast<double>(k_ + 1));
    double lr = lr_ * sched * std::sqrt(bias2);
    lr_max_ = std::max(lr_max_, lr);
    double weight = lr_max_ * lr_max_;
    weight_sum_ += weight;
    double ckp1 = weight_sum_ > 0 ? weight / weight_sum_ : 0.0;
    for (size_t i = 0; i < params_.size(); ++i) {
      torch::Tensor& y = params_[i];
      if (!y.grad().defined()) continue;
      torch::Tensor grad = y.grad();
      v_[i].mul_(beta2_).addcmul_(grad, grad, 1 - beta2_);
      torch::Tensor g = grad / (v_[i].sqrt() + eps_);
      if (decay_ > 0) g.add_(y, decay_);
      y.lerp_(z_[i], ckp1);
      y.add_(g, lr * (beta1_ * (1 - ckp1) - 1));
      z_[i].sub_(g, lr);
    }
    ++k_;
  }

  void zero_grad() override {
    for (auto& p : params_)
      if (p.grad().defined()) p.grad().zero_();
  }
  size_t group_count() const override { return 1; }
  double lr(size_t) const override { return lr_; }
  void set_lr(size_t, double lr) override { lr_ = lr; }

  void train(bool on) override {
    if (on == training_) return;
    torch::NoGradGuard no_grad;
    // y = x + (1 - beta1)(z - x) while training; back to x = y + (1 - 1/beta1)(z - y) to evaluate.
    for (size_t i = 0; i < params_.size(); ++i) params_[i].lerp_(z_[i], on ? 1 - beta1_ : 1 - 1 / beta1_);
    training_ = on;
  }

  void save(torch::serialize::OutputArchive& a) const override {
    a.write("counters", torch::tensor({static_cast<double>(k_), lr_max_, weight_sum_, lr_}, torch::kFloat64));
    for (size_t i = 0; i < params_.size(); ++i) {
      a.write("z/" + std::to_string(i), z_[i]);
      a.write("v/" + std::to_string(i), v_[i]);
    }
  }
  void load(torch::serialize::InputArchive& a) override {
    torch::Tensor c;
    a.read("counters", c);
    k_ = static_cast<int64_t>(c[0].item<double>());
    lr_max_ = c[1].item<double>();
    weight_sum_ = c[2].item<double>();
    lr_ = c[3].item<double>();
    for (size_t i = 0; i < params_.size(); ++i) {
      torch::Tensor z, v;
      a.read("z/" + std::to_string(i), z);
      a.read("v/" + std::to_string(i), v);
      if (z.sizes() != z_[i].sizes()) throw std::invalid_argument("saved state does not match the model's parameters");
      z_[i].copy_(z);
      v_[i].copy_(v);
    }
  }

 private:
  double lr_, beta1_, beta2_, eps_, decay_;
  int64_t warmup_;
  hearth::TensorList params_, z_, v_;
  int64_t k_ = 0;
  double lr_max_ = 0, weight_sum_ = 0;
  bool training_ = true;  // bind() happens with the parameters as y = x = z
};

}  // namespace

HEARTH_REGISTER(AdamWScheduleFree, "adamw_schedule_free", "Schedule-Free AdamW: no learning-rate schedule needed",
                "Defazio et al. 2024. Gradients are taken at an interpolation y of the fast iterate z and the\n"
                "running average x; evaluation and checkpoints use x. Use it without a [scheduler] (warmup_steps\n"
                "gives a linear warmup). Needs a host with plugin ABI 1.1 for the train/eval switch.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
