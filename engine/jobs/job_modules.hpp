// The plugin objects of a job, made from its validated tables, and the one pass that scores a
// split with its losses and metrics (validation during training, and `hearth eval`).
#pragma once

#include <ATen/Tensor.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/jobs/analysis.hpp"
#include "engine/jobs/data_loader.hpp"
#include "engine/jobs/job.hpp"
#include "engine/runtime/modules/dataset_module.hpp"
#include "engine/runtime/modules/loss_module.hpp"
#include "engine/runtime/modules/metric_module.hpp"
#include "engine/runtime/modules/model_module.hpp"

namespace hearth {

struct JobModules {
  std::unique_ptr<DatasetModule> data;
  std::unique_ptr<ModelModule> model;
  std::vector<std::unique_ptr<LossModule>> losses;
  std::vector<std::unique_ptr<MetricModule>> metrics;
  std::vector<std::string> loss_names;    ///< unique column names: "mse", "mse_1"
  std::vector<std::string> metric_names;
};

/// The tensors moved to `device` (a no-op for tensors already there).
std::vector<at::Tensor> on_device(const std::vector<at::Tensor>& tensors, const std::string& device);

/// The loaded library module a job table names (libraries stay loaded; loading twice is cheap).
ModuleRef module_ref(const ModuleSpec& spec);

/// Runs the job's analyzers once the dataset exists (see analysis.hpp); returns their class weights.
using AnalyzeStep = std::function<AnalyzerWeights(const DatasetModule&)>;

/// Creates the dataset, model, losses and metrics of `job` and moves the model to `device`. When
/// modules take values from analyzers (`weights = "analyzer:multiclass"`), `analyze` runs between
/// the dataset and them; without it, such a job is refused.
JobModules make_job_modules(const Job& job, const std::string& device, const AnalyzeStep& analyze = {});

/// The summed, weighted loss of one batch and each loss's own value.
struct BatchLoss {
  at::Tensor total;
  std::vector<at::Tensor> values;  ///< each loss, unweighted
  /// Loss i as a number; callers read them only when there are several (each read is a sync).
  double part(size_t i) const { return values[i].item<double>(); }
};

/// Runs the job's losses on one batch's outputs (each reads its `output`/`target` index).
BatchLoss compute_losses(const Job& job, JobModules& m, const std::vector<at::Tensor>& outputs,
                         const std::vector<at::Tensor>& targets);
/// Feeds one batch to every metric.
void update_metrics(const Job& job, JobModules& m, const std::vector<at::Tensor>& outputs,
                    const std::vector<at::Tensor>& targets);

/// Mean loss ("<split>.loss", and per loss when there are several) and every metric over a split,
/// in eval mode without gradients. NaN losses are kept as NaN.
std::map<std::string, double> evaluate_split(const Job& job, JobModules& m, BatchLoader& loader, const std::string& split,
                                             const std::string& device);

}  // namespace hearth
