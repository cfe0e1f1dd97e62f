#include "engine/runtime/modules/optimizer_module.hpp"

#include "engine/runtime/host_api.hpp"

namespace hearth {

void OptimizerModule::bind(const std::vector<at::Tensor>& parameters, const std::vector<std::string>& names) {
  HandleArray p(parameters);
  const auto& table = module_.tables->functions.optimizer;
  if (table.bind_named == nullptr || names.size() != parameters.size()) {
    call("bind", table.bind, object_, p.data(), p.size());
    return;
  }
  std::vector<const char*> c_names;
  for (const std::string& n : names) c_names.push_back(n.c_str());
  call("bind", table.bind_named, object_, p.data(), c_names.data(), p.size());
}

void OptimizerModule::step() { call("step", module_.tables->functions.optimizer.step, object_); }

void OptimizerModule::zero_grad() { call("zero_grad", module_.tables->functions.optimizer.zero_grad, object_); }

size_t OptimizerModule::group_count() const { return ask("group_count", module_.tables->functions.optimizer.group_count, object_); }

double OptimizerModule::lr(size_t group) const {
  double v = 0;
  call("get_lr", module_.tables->functions.optimizer.get_lr, object_, group, &v);
  return v;
}

void OptimizerModule::set_lr(size_t group, double lr) {
  call("set_lr", module_.tables->functions.optimizer.set_lr, object_, group, lr);
}

std::vector<double> OptimizerModule::lrs() const {
  std::vector<double> out;
  for (size_t g = 0; g < group_count(); ++g) out.push_back(lr(g));
  return out;
}

void OptimizerModule::train(bool on) {
  if (module_.tables->functions.optimizer.train != nullptr)
    call("train", module_.tables->functions.optimizer.train, object_, on ? 1 : 0);
}

std::string OptimizerModule::save_state() {
  hearth_bytes bytes;
  call("save_state", module_.tables->functions.optimizer.save_state, object_, &bytes);
  return std::move(bytes.data);
}

void OptimizerModule::load_state(const std::string& bytes) {
  call("load_state", module_.tables->functions.optimizer.load_state, object_, bytes.data(), bytes.size());
}

}  // namespace hearth
