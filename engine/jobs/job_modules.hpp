// The plugin objects of a job, made from its validated tables: the dataset, the model, and each
// loss and metric in a slot with its wiring (which output and target it reads, its weight).
#pragma once

#include <ATen/Tensor.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/jobs/analysis.hpp"
#include "engine/data/batch_loader.hpp"
#include "engine/data/split_plan.hpp"
#include "engine/jobs/job.hpp"
#include "engine/runtime/modules/dataset_module.hpp"
#include "engine/runtime/modules/loss_module.hpp"
#include "engine/runtime/modules/metric_module.hpp"
#include "engine/runtime/modules/model_module.hpp"

namespace hearth {

/// A loss of the job with its wiring; `slot->forward(...)` reaches the module.
struct LossSlot {
  std::unique_ptr<LossModule> module;
  LossOptions options;
  std::string table;   ///< "losses[1]", for errors
  std::string plugin;  ///< the module's own name, for errors
  LossModule* operator->() const { return module.get(); }
};

/// A metric of the job with its wiring; `slot->compute()` reaches the module.
struct MetricSlot {
  std::unique_ptr<MetricModule> module;
  MetricOptions options;
  std::string table;   ///< "metrics[0]", for errors
  std::string plugin;  ///< the module's own name, for errors
  MetricModule* operator->() const { return module.get(); }
};

struct JobModules {
  std::unique_ptr<DatasetModule> data;
  std::unique_ptr<ModelModule> model;
  std::vector<LossSlot> losses;
  std::vector<MetricSlot> metrics;
};

/// The tensors moved to `device` (a no-op for tensors already there).
std::vector<at::Tensor> on_device(const std::vector<at::Tensor>& tensors, const std::string& device);

/// The loaded library module a job table names (libraries stay loaded; loading twice is cheap).
ModuleRef module_ref(const ModuleSpec& spec);

/// Whether any module of `job` takes a value from an analyzer (`weights = "analyzer:multiclass"`).
bool needs_analyzer_values(const Job& job);

/// The dataset plugin of `job`, created with its parameters.
std::unique_ptr<DatasetModule> make_dataset(const Job& job);

/// The job's one split plan over `data` ([dataset] valid_fraction and subsample, seeded).
SplitPlan make_split_plan(const Job& job, const DatasetModule& data);

/// Adds the model (moved to `device`), loss and metric slots of `job` to `m`, whose dataset exists;
/// `weights` fill `key = "analyzer:NAME"` references.
void make_model_modules(JobModules& m, const Job& job, const AnalyzerWeights& weights, const std::string& device);

/// The summed, weighted loss of one batch and each loss's own value.
struct BatchLoss {
  at::Tensor total;
  std::vector<at::Tensor> values;  ///< each loss, unweighted
  /// Loss i as a number; callers read them only when there are several (each read is a sync).
  double part(size_t i) const { return values[i].item<double>(); }
};

/// Runs every loss on one batch's outputs (each reads its own output and target).
BatchLoss compute_losses(const std::vector<LossSlot>& losses, const std::vector<at::Tensor>& outputs,
                         const std::vector<at::Tensor>& targets);
/// Feeds one batch to every metric.
void update_metrics(const std::vector<MetricSlot>& metrics, const std::vector<at::Tensor>& outputs,
                    const std::vector<at::Tensor>& targets);

}  // namespace hearth
