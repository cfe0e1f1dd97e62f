#include "engine/runtime/modules/optimizer_module.hpp"

#include "engine/runtime/host_api.hpp"

namespace hearth {

void OptimizerModule::bind(const std::vector<at::Tensor>& parameters) {
  HandleArray p(parameters);
  check(module_.tables->functions.optimizer.bind(object_, p.data(), p.size()), "bind");
}

void OptimizerModule::step() { check(module_.tables->functions.optimizer.step(object_), "step"); }

void OptimizerModule::zero_grad() { check(module_.tables->functions.optimizer.zero_grad(object_), "zero_grad"); }

size_t OptimizerModule::group_count() const { return module_.tables->functions.optimizer.group_count(object_); }

double OptimizerModule::lr(size_t group) const {
  double v = 0;
  check(module_.tables->functions.optimizer.get_lr(object_, group, &v), "get_lr");
  return v;
}

void OptimizerModule::set_lr(size_t group, double lr) {
  check(module_.tables->functions.optimizer.set_lr(object_, group, lr), "set_lr");
}

std::vector<double> OptimizerModule::lrs() const {
  std::vector<double> out;
  for (size_t g = 0; g < group_count(); ++g) out.push_back(lr(g));
  return out;
}

void OptimizerModule::train(bool on) {
  if (module_.tables->functions.optimizer.train != nullptr)
    check(module_.tables->functions.optimizer.train(object_, on ? 1 : 0), "train");
}

std::string OptimizerModule::save_state() {
  hearth_bytes bytes;
  check(module_.tables->functions.optimizer.save_state(object_, &bytes), "save_state");
  return std::move(bytes.data);
}

void OptimizerModule::load_state(const std::string& bytes) {
  check(module_.tables->functions.optimizer.load_state(object_, bytes.data(), bytes.size()), "load_state");
}

}  // namespace hearth
