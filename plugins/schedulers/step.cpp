// `step`: multiply the rate by gamma every step_size epochs (or batches).
#include <hearth/plugin.hpp>

#include <cmath>

namespace {

class StepScheduler : public hearth::Scheduler {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::integer("step_size", 10).min(1).doc("Epochs (or batches) between two decays"),
        hearth::Param::number("gamma", 0.1).range(0, 1).doc("Factor applied at each decay"),
        hearth::Param::string("interval", "epoch").choices({"epoch", "batch"}).doc("What one step counts"),
    };
  }
  explicit StepScheduler(const hearth::Params& p)
      : step_size_(p.get<int64_t>("step_size")),
        gamma_(p.get<double>("gamma")),
        per_batch_(p.get<std::string>("interval") == "batch") {}

  hearth_step_interval interval() const override { return per_batch_ ? HEARTH_STEP_BATCH : HEARTH_STEP_EPOCH; }

 protected:
  double rate(size_t, double base_lr, int64_t steps, std::optional<double>) override {
    return base_lr * std::pow(gamma_, static_cast<double>(steps / step_size_));
  }

 private:
  int64_t step_size_;
  double gamma_;
  bool per_batch_;
};

}  // namespace

HEARTH_REGISTER(StepScheduler, "step", "Decay the learning rate by gamma every step_size steps",
                "After k steps the rate of each group is base_lr * gamma^floor(k / step_size), as\n"
                "torch.optim.lr_scheduler.StepLR.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
