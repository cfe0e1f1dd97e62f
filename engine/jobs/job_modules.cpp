#include "engine/jobs/job_modules.hpp"

#include <torch/torch.h>

#include "engine/core/error.hpp"
#include "engine/jobs/dataset_bindings.hpp"

namespace hearth {
namespace {

const at::Tensor& pick(const std::vector<at::Tensor>& v, size_t i, const char* what, const std::string& table,
                       const std::string& module) {
  if (i >= v.size())
    throw UsageError("[" + table + "] " + module + " reads " + what + " " + std::to_string(i) + " but the " +
                     (std::string(what) == "output" ? "model gives " : "dataset gives ") + std::to_string(v.size()) +
                     "; set its '" + what + "' key");
  return v[i];
}

}  // namespace

ModuleRef module_ref(const ModuleSpec& spec) {
  return load_module(spec.entry->file, spec.entry->info.category, spec.entry->info.name);
}

std::vector<at::Tensor> on_device(const std::vector<at::Tensor>& tensors, const std::string& device) {
  torch::Device dev(device);
  std::vector<at::Tensor> out;
  out.reserve(tensors.size());
  for (const at::Tensor& t : tensors) out.push_back(t.to(dev));
  return out;
}

bool needs_analyzer_values(const Job& job) {
  bool needs = !job.model.from_analyzer.empty();
  for (const auto* list : {&job.losses, &job.metrics})
    for (const ModuleSpec& s : *list) needs |= !s.from_analyzer.empty();
  return needs;
}

std::unique_ptr<DatasetModule> make_dataset(const Job& job) {
  return std::make_unique<DatasetModule>(module_ref(job.dataset), job.dataset.params);
}

SplitPlan make_split_plan(const Job& job, const DatasetModule& data) {
  const DataOptions& o = job.options.data;
  return SplitPlan(data, o.valid_fraction, o.subsample, job.options.general.seed);
}

void make_model_modules(JobModules& m, const Job& job, const AnalyzerWeights& weights, const std::string& device) {
  auto params_of = [&](const ModuleSpec& spec) {
    return with_dataset_values(spec, with_analyzer_values(spec, weights), m.data.get());
  };
  m.model = std::make_unique<ModelModule>(module_ref(job.model), params_of(job.model));
  for (size_t i = 0; i < job.losses.size(); ++i) {
    const ModuleSpec& l = job.losses[i];
    m.losses.push_back({std::make_unique<LossModule>(module_ref(l), params_of(l)),
                        job.options.losses[i], l.table, l.entry->info.name});
  }
  for (size_t i = 0; i < job.metrics.size(); ++i) {
    const ModuleSpec& s = job.metrics[i];
    m.metrics.push_back({std::make_unique<MetricModule>(module_ref(s), params_of(s)),
                         job.options.metrics[i], s.table, s.entry->info.name});
  }
  m.model->to_device(device);
}

BatchLoss compute_losses(const std::vector<LossSlot>& losses, const std::vector<at::Tensor>& outputs,
                         const std::vector<at::Tensor>& targets) {
  BatchLoss r;
  for (const LossSlot& slot : losses) {
    const std::string& module = slot.plugin;
    at::Tensor value = slot->forward({pick(outputs, slot.options.output, "output", slot.table, module)},
                                     {pick(targets, slot.options.target, "target", slot.table, module)});
    // The common case, one loss of weight 1, adds no operations to the graph.
    at::Tensor weighted = slot.options.weight == 1.0 ? value : value * slot.options.weight;
    r.total = r.total.defined() ? r.total + weighted : weighted;
    r.values.push_back(value);
  }
  return r;
}

void update_metrics(const std::vector<MetricSlot>& metrics, const std::vector<at::Tensor>& outputs,
                    const std::vector<at::Tensor>& targets) {
  for (const MetricSlot& slot : metrics) {
    const std::string& module = slot.plugin;
    slot->update({pick(outputs, slot.options.output, "output", slot.table, module).detach().to(at::kFloat)},
                 {pick(targets, slot.options.target, "target", slot.table, module)});
  }
}

}  // namespace hearth
