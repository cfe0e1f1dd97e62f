#include "engine/jobs/job_modules.hpp"

#include <torch/torch.h>

#include <cmath>

#include "engine/core/error.hpp"

namespace hearth {
namespace {

const at::Tensor& pick(const std::vector<at::Tensor>& v, int64_t i, const char* what, const ModuleSpec& spec) {
  if (i < 0 || static_cast<size_t>(i) >= v.size())
    throw UsageError("[" + spec.table + "] " + spec.entry->info.name + " reads " + what + " " + std::to_string(i) +
                     " but the " + (std::string(what) == "output" ? "model gives " : "dataset gives ") +
                     std::to_string(v.size()) + "; set its '" + what + "' key");
  return v[static_cast<size_t>(i)];
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

JobModules make_job_modules(const Job& job, const std::string& device, const AnalyzeStep& analyze) {
  JobModules m;
  m.data = std::make_unique<DatasetModule>(module_ref(job.dataset), job.dataset.params);
  AnalyzerWeights weights;
  bool needs_analysis = !job.model.from_analyzer.empty();
  for (const auto* list : {&job.losses, &job.metrics})
    for (const ModuleSpec& s : *list) needs_analysis |= !s.from_analyzer.empty();
  if (analyze && (needs_analysis || !job.analyzers.empty())) weights = analyze(*m.data);
  m.model = std::make_unique<ModelModule>(module_ref(job.model), with_analyzer_values(job.model, weights));
  for (const ModuleSpec& l : job.losses) m.losses.push_back(std::make_unique<LossModule>(module_ref(l), with_analyzer_values(l, weights)));
  for (const ModuleSpec& s : job.metrics)
    m.metrics.push_back(std::make_unique<MetricModule>(module_ref(s), with_analyzer_values(s, weights)));
  m.loss_names = unique_names(job.losses);
  m.metric_names = unique_names(job.metrics);
  m.model->to_device(device);
  return m;
}

BatchLoss compute_losses(const Job& job, JobModules& m, const std::vector<at::Tensor>& outputs,
                         const std::vector<at::Tensor>& targets) {
  BatchLoss r;
  for (size_t i = 0; i < m.losses.size(); ++i) {
    const ModuleSpec& spec = job.losses[i];
    at::Tensor value = m.losses[i]->forward({pick(outputs, int_of(spec.host, "output"), "output", spec)},
                                            {pick(targets, int_of(spec.host, "target"), "target", spec)});
    double weight = float_of(spec.host, "weight");
    // The common case, one loss of weight 1, adds no operations to the graph.
    at::Tensor weighted = weight == 1.0 ? value : value * weight;
    r.total = r.total.defined() ? r.total + weighted : weighted;
    r.values.push_back(value);
  }
  return r;
}

void update_metrics(const Job& job, JobModules& m, const std::vector<at::Tensor>& outputs,
                    const std::vector<at::Tensor>& targets) {
  for (size_t i = 0; i < m.metrics.size(); ++i) {
    const ModuleSpec& spec = job.metrics[i];
    m.metrics[i]->update({pick(outputs, int_of(spec.host, "output"), "output", spec).detach().to(at::kFloat)},
                         {pick(targets, int_of(spec.host, "target"), "target", spec)});
  }
}

std::map<std::string, double> evaluate_split(const Job& job, JobModules& m, BatchLoader& loader, const std::string& split,
                                             const std::string& device) {
  torch::NoGradGuard no_grad;
  m.model->train(false);
  for (auto& metric : m.metrics) metric->reset();
  std::vector<double> sums(m.losses.size(), 0.0);
  double total = 0;
  int64_t samples = 0;
  loader.start_epoch(0);
  while (auto batch = loader.next()) {
    std::vector<at::Tensor> inputs = on_device(batch->inputs, device), targets = on_device(batch->targets, device);
    std::vector<at::Tensor> outputs = m.model->forward(inputs);
    BatchLoss l = compute_losses(job, m, outputs, targets);
    update_metrics(job, m, outputs, targets);
    if (sums.size() > 1)
      for (size_t i = 0; i < sums.size(); ++i) sums[i] += l.part(i) * static_cast<double>(batch->size);
    total += l.total.item<double>() * static_cast<double>(batch->size);
    samples += batch->size;
  }
  std::map<std::string, double> out;
  double n = static_cast<double>(std::max<int64_t>(samples, 1));
  out[split + ".loss"] = samples ? total / n : NAN;
  if (m.losses.size() > 1)
    for (size_t i = 0; i < sums.size(); ++i) out[split + "." + m.loss_names[i]] = samples ? sums[i] / n : NAN;
  for (size_t i = 0; i < m.metrics.size(); ++i) out[split + "." + m.metric_names[i]] = m.metrics[i]->compute();
  return out;
}

}  // namespace hearth
