// `sgd`: stochastic gradient descent with momentum, Nesterov and weight decay.
#include <hearth/plugin.hpp>

namespace {

class Sgd : public hearth::TorchOptimizerModule<torch::optim::SGD> {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::number("lr", 0.01).min(0).doc("Learning rate"),
        hearth::Param::number("momentum", 0.0).range(0, 1).doc("Momentum factor"),
        hearth::Param::number("dampening", 0.0).range(0, 1).doc("Dampening of the momentum"),
        hearth::Param::number("weight_decay", 0.0).min(0).doc("L2 penalty"),
        hearth::Param::boolean("nesterov", false).doc("Nesterov momentum (needs momentum > 0 and no dampening)"),
    };
  }
  explicit Sgd(const hearth::Params& p)
      : options_(torch::optim::SGDOptions(p.get<double>("lr"))
                     .momentum(p.get<double>("momentum"))
                     .dampening(p.get<double>("dampening"))
                     .weight_decay(p.get<double>("weight_decay"))
                     .nesterov(p.get<bool>("nesterov"))) {
    if (options_.nesterov() && (options_.momentum() <= 0 || options_.dampening() != 0))
      throw std::invalid_argument("nesterov needs momentum > 0 and dampening = 0");
  }

 protected:
  std::unique_ptr<torch::optim::SGD> make(const hearth::TensorList& parameters) override {
    return std::make_unique<torch::optim::SGD>(parameters, options_);
  }

 private:
  torch::optim::SGDOptions options_;
};

}  // namespace

HEARTH_REGISTER(Sgd, "sgd", "Stochastic gradient descent",
                "torch::optim::SGD: one parameter group, with optional momentum, dampening, Nesterov\n"
                "momentum and weight decay.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
