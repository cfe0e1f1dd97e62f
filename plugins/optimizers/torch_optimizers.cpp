// adamw, rmsprop and adagrad: torch::optim optimizers with their options as parameters.
#include <hearth/plugin.hpp>

namespace {

class RmsProp : public hearth::TorchOptimizerModule<torch::optim::RMSprop> {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::number("lr", 0.01).min(0).doc("Learning rate"),
            hearth::Param::number("alpha", 0.99).range(0, 1).doc("Smoothing constant"),
            hearth::Param::number("eps", 1e-8).min(0).doc("Term added to the denominator"),
            hearth::Param::number("weight_decay", 0.0).min(0).doc("L2 penalty"),
            hearth::Param::number("momentum", 0.0).range(0, 1).doc("Momentum factor"),
            hearth::Param::boolean("centered", false).doc("Normalise by the estimated variance of the gradient")};
  }
  explicit RmsProp(const hearth::Params& p)
      : options_(torch::optim::RMSpropOptions(p.get<double>("lr"))
                     .alpha(p.get<double>("alpha"))
                     .eps(p.get<double>("eps"))
                     .weight_decay(p.get<double>("weight_decay"))
                     .momentum(p.get<double>("momentum"))
                     .centered(p.get<bool>("centered"))) {}

 protected:
  std::unique_ptr<torch::optim::RMSprop> make(const hearth::TensorList& params) override {
    return std::make_unique<torch::optim::RMSprop>(params, options_);
  }

 private:
  torch::optim::RMSpropOptions options_;
};

class Adagrad : public hearth::TorchOptimizerModule<torch::optim::Adagrad> {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::number("lr", 0.01).min(0).doc("Learning rate"),
            hearth::Param::number("lr_decay", 0.0).min(0).doc("Learning rate decay"),
            hearth::Param::number("weight_decay", 0.0).min(0).doc("L2 penalty"),
            hearth::Param::number("initial_accumulator_value", 0.0).min(0).doc("Starting value of the sums"),
            hearth::Param::number("eps", 1e-10).min(0).doc("Term added to the denominator")};
  }
  explicit Adagrad(const hearth::Params& p)
      : options_(torch::optim::AdagradOptions(p.get<double>("lr"))
                     .lr_decay(p.get<double>("lr_decay"))
                     .weight_decay(p.get<double>("weight_decay"))
                     .initial_accumulator_value(p.get<double>("initial_accumulator_value"))
                     .eps(p.get<double>("eps"))) {}

 protected:
  std::unique_ptr<torch::optim::Adagrad> make(const hearth::TensorList& params) override {
    return std::make_unique<torch::optim::Adagrad>(params, options_);
  }

 private:
  torch::optim::AdagradOptions options_;
};

}  // namespace

HEARTH_REGISTER(RmsProp, "rmsprop", "RMSprop", "torch::optim::RMSprop over one parameter group.")
HEARTH_REGISTER(Adagrad, "adagrad", "Adagrad", "torch::optim::Adagrad over one parameter group.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
