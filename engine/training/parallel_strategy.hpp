// How the processes of a run train together. Alone (LocalStrategy) every call is the plain
// single-process step; in a data-parallel group (DataParallelStrategy) the ranks agree on each
// step's loss and flags, all-reduce gradients in buckets while backward runs, and take rank 0's
// model before they evaluate. Session, TrainStep and TrainLoop call the strategy and never ask
// whether there is a group.
#pragma once

#include <ATen/Tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace hearth {

class BatchLoader;
class ModelModule;
class RankGroup;

/// A step's loss as every rank must see it.
struct AgreedLoss {
  double total = 0;        ///< the mean over the samples of all ranks (alone: this rank's)
  int64_t samples = 0;     ///< the samples behind it
  bool finite = true;      ///< false when any rank's loss is not finite: all skip or stop alike
  bool stop = false;       ///< an interrupt was asked for on some rank (alone: never set here)
};

class ParallelStrategy {
 public:
  virtual ~ParallelStrategy() = default;

  /// This process's place among the processes of its machine (0 and 1 alone).
  virtual int local_rank() const = 0;
  virtual int local_size() const = 0;
  /// Whether this process writes the run's files (rank 0, or the one process).
  virtual bool writer() const = 0;

  /// The train split's loader takes this rank's part of every global batch.
  virtual void shard(BatchLoader& train) const = 0;
  /// Starts the gradient reduction over `parameters` (once, when training starts, before any
  /// collective): in a group, first waits for every rank under the join timeout.
  virtual void start(const std::vector<at::Tensor>& parameters, double bucket_mb) = 0;
  /// The model's parameters and buffers become rank 0's, so every rank evaluates and decides alike.
  /// Returns how many parameters this rank held with other values than rank 0's (buffers, such as
  /// batch norm's statistics of each rank's own samples, may differ and are not counted).
  virtual int64_t follow_rank0(ModelModule& model) = 0;

  /// Runs `backward` and agrees on the step's loss in the order this strategy needs. Alone a
  /// non-finite loss is caught before backward, which then does not run; in a group backward runs
  /// while the loss is being agreed on, and `last_micro` (the last batch of an accumulation)
  /// all-reduces the gradients in buckets as they are made.
  virtual AgreedLoss backward_and_agree(double total, int64_t samples, bool last_micro,
                                        const std::function<void()>& backward) = 0;
  /// Whether training stops after this batch (an interrupt here, or on any rank of a group).
  virtual bool stop_after(const AgreedLoss& agreed) const = 0;
  /// Whether an interrupt that came after the epoch's last step ends training: alone it does; a
  /// group stops only where all ranks agreed to, in a step.
  virtual bool stop_between_epochs() const = 0;
  /// A train batch all of whose samples were bad: alone it is passed over; in a group (where
  /// every rank must join each step's collectives) it is an error naming it.
  virtual void pass_over_empty_batch(int64_t epoch, int64_t batch) const = 0;

  /// What this rank does, for the error when a collective fails (alone: nothing).
  virtual void set_activity(const char* what, int64_t epoch = 0, int64_t batch = 0) = 0;
  /// Seconds waited on all-reduces since the last call; nullopt alone.
  virtual std::optional<double> take_wait_seconds() = 0;
};

/// `group` null: the strategy of one process; else that group's (not owned).
std::unique_ptr<ParallelStrategy> make_parallel_strategy(RankGroup* group);

}  // namespace hearth
