#include "engine/runtime/modules/scheduler_module.hpp"

#include <cmath>
#include <limits>

#include "engine/runtime/host_api.hpp"
#include "engine/runtime/modules/optimizer_module.hpp"

namespace hearth {

void SchedulerModule::start(const std::vector<double>& base_lrs) {
  call("start", module_.tables->functions.scheduler.start, object_, base_lrs.data(), base_lrs.size());
}

hearth_step_interval SchedulerModule::interval() const { return ask("interval", module_.tables->functions.scheduler.interval, object_); }

std::vector<double> SchedulerModule::step(std::optional<double> monitored, size_t group_count) {
  std::vector<double> lrs(group_count, 0.0);
  double m = monitored ? *monitored : std::numeric_limits<double>::quiet_NaN();
  call("step", module_.tables->functions.scheduler.step, object_, m, lrs.data(), lrs.size());
  for (double lr : lrs)
    if (!std::isfinite(lr) || lr < 0)
      throw PluginError(module_.label() + ": step returned the learning rate " + std::to_string(lr));
  return lrs;
}

double SchedulerModule::current_lr(size_t group) const {
  double v = 0;
  call("current_lr", module_.tables->functions.scheduler.current_lr, object_, group, &v);
  return v;
}

void SchedulerModule::step_and_apply(OptimizerModule& optimizer, std::optional<double> monitored) {
  std::vector<double> lrs = step(monitored, optimizer.group_count());
  for (size_t g = 0; g < lrs.size(); ++g) optimizer.set_lr(g, lrs[g]);
}

std::string SchedulerModule::save_state() {
  hearth_bytes bytes;
  call("save_state", module_.tables->functions.scheduler.save_state, object_, &bytes);
  return std::move(bytes.data);
}

void SchedulerModule::load_state(const std::string& bytes) {
  call("load_state", module_.tables->functions.scheduler.load_state, object_, bytes.data(), bytes.size());
}

}  // namespace hearth
