#include "engine/runtime/modules/metric_module.hpp"

#include "engine/runtime/host_api.hpp"

namespace hearth {

void MetricModule::update(const std::vector<at::Tensor>& outputs, const std::vector<at::Tensor>& targets) {
  HandleArray o(outputs), t(targets);
  call("update", module_.tables->functions.metric.update, object_, o.data(), o.size(), t.data(), t.size());
}

double MetricModule::compute() {
  double v = 0;
  call("compute", module_.tables->functions.metric.compute, object_, &v);
  return v;
}

void MetricModule::reset() { call("reset", module_.tables->functions.metric.reset, object_); }

bool MetricModule::higher_is_better() const { return ask("higher_is_better", module_.tables->functions.metric.higher_is_better, object_) != 0; }

}  // namespace hearth
