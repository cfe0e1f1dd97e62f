// A job opened for work: the device, seeds and threads set once; the dataset and its one split
// plan; the model, loss and metric slots; a loader per split; the parallel strategy; and, for
// training, the optimizer, scheduler and step counters, with the state a checkpoint saves. Every
// job command opens a session instead of assembling these its own way; training itself is
// engine/training's (TrainStep, TrainLoop).
#pragma once

#include <ATen/Tensor.h>
#include <c10/core/Device.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/runs/checkpoint.hpp"
#include "engine/data/batch_loader.hpp"
#include "engine/data/split_plan.hpp"
#include "engine/jobs/job.hpp"
#include "engine/jobs/job_modules.hpp"
#include "engine/jobs/progress.hpp"
#include "engine/runtime/modules/optimizer_module.hpp"
#include "engine/runtime/modules/scheduler_module.hpp"
#include "engine/training/interrupt.hpp"
#include "engine/training/parallel_strategy.hpp"
#include "engine/training/weight_average.hpp"

namespace hearth {

/// The device a request means for this process: "cpu", or "cuda"/"cuda:N"; auto picks CUDA when
/// LibTorch sees a GPU. Throws UsageError when CUDA is asked for and LibTorch sees none. Local
/// rank N > 0 of a job on one machine takes GPU N (modulo the GPUs there) when the job says
/// auto or cuda. A Session decides once with it; a group about to form asks it first (which
/// backend the ranks can use depends on it).
std::string resolve_device(const DeviceRequest& requested, int local_rank = 0);

/// Optimizer steps taken and skipped (nan_policy = "skip"), as checkpoints keep them.
struct StepCounters {
  int64_t step = 0;
  int64_t skipped = 0;
};

/// What a session opens besides the job's device, seed and threads.
struct SessionOptions {
  /// Analyzers write their reports and summary.json here. Empty: they run only when a module
  /// takes values from them, and write nothing.
  std::filesystem::path analysis_dir;
  /// false: only the dataset and its split plan (`hearth analyze`, the data of `hearth render`).
  bool modules = true;
  /// false: no dataset unless the modules take values from analyzers (the model of a trained
  /// run that `hearth render --run` draws predictions with: the data comes from the job).
  bool data = true;
  /// The group this process trains with (not owned); null: one process. Training then sees this
  /// rank's shard of each epoch and averages gradients over the group.
  RankGroup* group = nullptr;
  /// This rank's train batch; 0: the job's batch_size. A run resumed on another number of ranks
  /// sets it so that the global batch (ranks x batch) stays the one it started with.
  int64_t train_batch = 0;
};

class Session {
 public:
  /// Opens `job` (which must outlive the session). Throws UsageError or PluginError naming the
  /// module that failed.
  explicit Session(const Job& job, const SessionOptions& options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const Job& job() const { return job_; }
  const JobOptions& options() const { return job_.options; }
  const c10::Device& device() const { return device_; }
  const std::string& device_name() const { return device_name_; }
  /// The dataset; throws when the session was opened without it.
  DatasetModule& data();
  /// The model; throws when the session was opened without modules.
  ModelModule& model();
  JobModules& modules() { return modules_; }
  const SplitPlan& plan() const;

  /// The samples of split `s`; throws UsageError saying how to get one when it is empty (`hint`
  /// replaces the default advice).
  const IndexSet& split(SplitName s, const std::string& hint = {}) const;
  /// The split's loader, made on first use: the train split shuffles (seeded, per epoch) when the
  /// job says so; the others keep their order.
  BatchLoader& loader(SplitName s);

  /// Makes the optimizer over the model's parameters and the scheduler; the first batch already
  /// sees the schedule's first rate (warmup). In a group, every rank starts from rank 0's model
  /// and the gradient buckets are made.
  void start_training();
  /// In a group: the model (parameters and buffers, batch-norm statistics among them) becomes
  /// rank 0's, so every rank evaluates and decides alike. Alone: nothing.
  /// Rank 0's model on every rank; how many parameters of this rank's differed (0 on rank 0).
  int64_t follow_rank0_model() { return parallel_->follow_rank0(model()); }
  /// How this process trains with the others (alone: the plain single-process step).
  ParallelStrategy& parallel() { return *parallel_; }
  OptimizerModule& optimizer() { return *optimizer_; }
  SchedulerModule* scheduler() { return scheduler_.get(); }
  /// The model's parameters the optimizer steps (made by start_training).
  std::vector<at::Tensor>& parameters() { return parameters_; }
  StepCounters& counters() { return counters_; }
  /// The weights' moving average ([train] ema), made by start_training; null when off.
  WeightAverage* average() { return average_.get(); }

  /// Losses and metrics over the whole split in eval mode, without gradients ("<split>.loss", ...).
  /// Each rank scores its own model: call follow_rank0_model() first where they must agree.
  std::map<std::string, double> evaluate(SplitName s);
  /// The model's outputs for one batch of inputs (moved to the device), in eval mode.
  std::vector<at::Tensor> predict(const std::vector<at::Tensor>& inputs);

  /// Samples of split `s` left out as bad (bad_samples = "skip") in its latest pass.
  int64_t bad_samples(SplitName s) { return loaders_.count(s) ? loaders_[s]->bad_samples() : 0; }

  int64_t step() const { return counters_.step; }
  int64_t skipped_steps() const { return counters_.skipped; }
  bool step_limit_reached() const;

  /// The model, optimizer, scheduler, random generators and step counters; the caller adds its
  /// epoch bookkeeping (epoch, best, patience). With weight averaging, `model` is the average and
  /// `training_model` the weights, wherever the average is at the time.
  CheckpointState save_state() const;
  /// Puts everything save_state() holds back.
  void restore_state(const CheckpointState& state);
  /// Puts only the model back and switches it to eval mode (eval, infer, render).
  void restore_model(const CheckpointState& state);

 private:
  void open_modules(const SessionOptions& options);

  const Job& job_;
  std::unique_ptr<ParallelStrategy> parallel_;
  std::string device_name_;
  c10::Device device_;
  JobModules modules_;
  std::unique_ptr<SplitPlan> plan_;
  std::map<SplitName, std::unique_ptr<BatchLoader>> loaders_;
  std::unique_ptr<OptimizerModule> optimizer_;
  std::unique_ptr<SchedulerModule> scheduler_;
  std::vector<at::Tensor> parameters_;
  int64_t train_batch_ = 0;
  StepCounters counters_;
  std::unique_ptr<WeightAverage> average_;
};

}  // namespace hearth
