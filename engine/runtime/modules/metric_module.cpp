#include "engine/runtime/modules/metric_module.hpp"

#include "engine/runtime/host_api.hpp"

namespace hearth {

void MetricModule::update(const std::vector<at::Tensor>& outputs, const std::vector<at::Tensor>& targets) {
  HandleArray o(outputs), t(targets);
  check(module_.tables->functions.metric.update(object_, o.data(), o.size(), t.data(), t.size()), "update");
}

double MetricModule::compute() {
  double v = 0;
  check(module_.tables->functions.metric.compute(object_, &v), "compute");
  return v;
}

void MetricModule::reset() { check(module_.tables->functions.metric.reset(object_), "reset"); }

bool MetricModule::higher_is_better() const { return module_.tables->functions.metric.higher_is_better(object_) != 0; }

}  // namespace hearth
