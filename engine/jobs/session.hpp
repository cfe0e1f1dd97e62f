// A job opened for work: the device, seeds and threads set once; the dataset and its one split
// plan; the model, loss and metric slots; a loader per split; and, for training, the optimizer
// and scheduler. Every job command opens a session instead of assembling these its own way.
#pragma once

#include <ATen/Tensor.h>
#include <c10/core/Device.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/distributed/gradient_buckets.hpp"
#include "engine/distributed/rank_group.hpp"
#include "engine/jobs/checkpoint.hpp"
#include "engine/data/batch_loader.hpp"
#include "engine/data/split_plan.hpp"
#include "engine/jobs/job.hpp"
#include "engine/jobs/job_modules.hpp"
#include "engine/jobs/progress.hpp"
#include "engine/runtime/modules/optimizer_module.hpp"
#include "engine/runtime/modules/scheduler_module.hpp"

namespace hearth {

/// "cpu", or "cuda"/"cuda:N"; "auto" picks CUDA when LibTorch sees a GPU. Throws UsageError when
/// CUDA is asked for and LibTorch sees none. Local rank N > 0 of a job on one machine takes
/// GPU N (modulo the GPUs there) when the job says "auto" or "cuda".
std::string resolve_device(const std::string& requested, int local_rank = 0);

/// Set by a host's signal handler: a training epoch stops after its current batch.
std::atomic<bool>& interrupt_requested();

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

/// One pass of training over a split, as far as it went.
struct TrainedEpoch {
  std::map<std::string, double> row;  ///< "train.loss", "train.<metric>", ...
  int64_t batches_done = 0;           ///< batches of the epoch behind us, skipped ones included
  int64_t batch_count = 0;            ///< batches in the epoch
  double data_wait_seconds = 0;       ///< time the step waited for data
  bool interrupted = false;           ///< stopped by an interrupt (in a group: any rank's)
  bool complete() const { return batches_done >= batch_count; }
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
  /// sees the schedule's first rate (warmup). In a group, every rank starts from rank 0's model.
  void start_training();
  /// In a group: the model (parameters and buffers, batch-norm statistics among them) becomes
  /// rank 0's, so every rank evaluates and decides alike. Alone: nothing.
  void follow_rank0_model();
  RankGroup* group() const { return group_; }
  /// Seconds this rank waited on all-reduces (gradients, and each step's loss and flags) since
  /// the last call; 0 alone.
  double take_sync_wait_seconds();
  OptimizerModule& optimizer() { return *optimizer_; }
  SchedulerModule* scheduler() { return scheduler_.get(); }

  /// Trains epoch `epoch` from batch `skip` on, until its end, the step limit or an interrupt.
  /// Throws Error on a non-finite loss unless the job skips those steps.
  TrainedEpoch train_epoch(int64_t epoch, int64_t skip, Progress& progress);
  /// Losses and metrics over the whole split in eval mode, without gradients ("<split>.loss", ...).
  std::map<std::string, double> evaluate(SplitName s);
  /// The model's outputs for one batch of inputs (moved to the device), in eval mode.
  std::vector<at::Tensor> predict(const std::vector<at::Tensor>& inputs);

  /// Samples of split `s` left out as bad (bad_samples = "skip") in its latest pass.
  int64_t bad_samples(SplitName s) { return loaders_.count(s) ? loaders_[s]->bad_samples() : 0; }

  int64_t step() const { return step_; }
  int64_t skipped_steps() const { return skipped_steps_; }
  bool step_limit_reached() const;

  /// The model, optimizer, scheduler, random generators and step counters; the caller adds its
  /// epoch bookkeeping (epoch, best, patience).
  CheckpointState save_state() const;
  /// Puts everything save_state() holds back.
  void restore_state(const CheckpointState& state);
  /// Puts only the model back and switches it to eval mode (eval, infer, render).
  void restore_model(const CheckpointState& state);

 private:
  void open_modules(const SessionOptions& options);
  /// A train batch all of whose samples were bad and left out (bad_samples = "skip"): passed over
  /// alone, an error naming it in a group.
  void pass_over_empty_batch(int64_t epoch, int64_t done) const;
  /// The model on one batch; a failure is shown the inputs it was given and their dataset.
  std::vector<at::Tensor> forward_of(const std::vector<at::Tensor>& inputs);
  /// The job's losses on one batch. A loss that fails is shown what it was given and by whom
  /// (the model's output shapes, the dataset's target shapes); in training, a total that does
  /// not require grad is blamed on the model (detached outputs) or the losses.
  BatchLoss losses_of(const std::vector<at::Tensor>& outputs, const std::vector<at::Tensor>& targets, bool training);
  /// A batch's loss as every rank must see it: in a group the mean over all ranks' samples, and
  /// whether any rank's loss is not finite or any rank was interrupted (then all skip or stop
  /// alike). Alone: the local values.
  struct StepLoss {
    double total;
    int64_t samples;
    bool finite;
    bool stop;  ///< an interrupt was asked for (in a group: of any rank)
  };
  /// The all-reduce behind StepLoss, started before backward and finished after it.
  struct LossSync {
    double local_total;
    int64_t local_samples;
    at::Tensor sums;
    std::unique_ptr<PendingCollective> work;  ///< null alone
  };
  LossSync start_loss_sync(double total, int64_t samples);
  StepLoss finish_loss_sync(LossSync& sync);

  const Job& job_;
  std::string device_name_;
  c10::Device device_;
  JobModules modules_;
  std::unique_ptr<SplitPlan> plan_;
  std::map<SplitName, std::unique_ptr<BatchLoader>> loaders_;
  std::unique_ptr<OptimizerModule> optimizer_;
  std::unique_ptr<SchedulerModule> scheduler_;
  std::vector<at::Tensor> parameters_;
  RankGroup* group_ = nullptr;
  int64_t train_batch_ = 0;
  std::unique_ptr<GradientBuckets> buckets_;
  int64_t step_ = 0;
  int64_t skipped_steps_ = 0;
  double loss_sync_seconds_ = 0;
};

}  // namespace hearth
