// Batches of one split for the training step: the epoch's order and this rank's part of it
// (EpochOrder), samples fetched by the plugin's batch fetch or by a pool of threads (SamplePool)
// and stacked, made one batch ahead (BatchPrefetcher), and for a GPU moved there from pinned
// memory without blocking. The time the trainer still waits is measured.
#pragma once

#include <ATen/Tensor.h>
#include <c10/core/Device.h>

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "engine/data/batch.hpp"
#include "engine/data/batch_prefetcher.hpp"
#include "engine/data/epoch_order.hpp"
#include "engine/data/sample_pool.hpp"
#include "engine/params/transform_steps.hpp"
#include "engine/runtime/modules/dataset_module.hpp"

namespace hearth {

class BatchLoader {
 public:
  /// `batch_size` is per rank; `workers` threads fetch samples when the dataset has no batch fetch.
  BatchLoader(const DatasetModule& data, hearth_split source, IndexSet indices, int64_t batch_size, bool shuffle,
              uint64_t seed, int workers);

  /// Starts an epoch: the order is a function of (seed, epoch) alone, so a resumed run sees the
  /// same batches. `skip` batches are passed over (resuming mid-epoch).
  void start_epoch(int64_t epoch, int64_t skip = 0);
  /// From the next epoch on, this process takes rank `rank`'s part of every global batch of
  /// `world` ranks (see EpochOrder).
  void shard(int rank, int world);
  /// Inputs and targets arrive on `device`. For a GPU the prefetch thread copies each batch there
  /// from pinned memory without blocking, while the previous batch trains: the copy then waits
  /// on nothing but the GPU's own queue. The CPU needs no copy and keeps the fetch as it was.
  void deliver_to(c10::Device device);
  /// Every sample's image inputs go through `steps` on the threads that fetch them, each sample
  /// with random numbers of its own (seed, epoch, sample). Datasets are then read sample by
  /// sample, batch fetch or not. Throws UsageError when a step names a tensor that is not one
  /// of the dataset's inputs.
  void transform_with(std::vector<TransformStep> steps, uint64_t seed);
  /// bad_samples = "skip": a sample the dataset fails on is left out of its batch (named in the
  /// log, counted by bad_samples()) instead of failing the epoch. A batch may then come smaller,
  /// or empty (size 0) when every sample of it failed.
  void skip_bad_samples(bool skip) { skip_bad_ = skip; }
  /// Samples left out since the epoch started.
  int64_t bad_samples() const { return bad_samples_; }
  /// The next batch of the epoch, or nullopt at its end.
  std::optional<Batch> next();
  int64_t batch_count() const { return order_.batch_count(); }
  /// Samples this process sees per epoch (its rank's).
  int64_t sample_count() const { return order_.sample_count(); }
  /// Seconds next() spent waiting for data since the epoch started.
  double wait_seconds() const { return wait_seconds_; }
  /// The epoch's order of samples (every rank's), as one process visits it (a list: small splits).
  std::vector<int64_t> epoch_order() const { return order_.order(); }

 private:
  /// Batch `batch_index` of the epoch: fetched, stacked and delivered.
  Batch make(int64_t batch_index);
  /// The dataset's tensors for samples `ids`, each with the batch dimension first. Skipping bad
  /// samples, those that failed are taken out of `ids` (and no columns come when none is left).
  std::vector<at::Tensor> columns_of(std::vector<int64_t>& ids);
  /// Samples `ids` fetched by the pool and stacked. A sample that fails, or whose tensors do not
  /// have the shapes most of its batch has, stops the epoch naming it, or (skipping) is left out
  /// of `ids`, logged and counted.
  std::vector<at::Tensor> gather(std::vector<int64_t>& ids);
  /// Sets the failure of every sample whose tensor count or shapes differ from its batch's.
  void mark_odd_shapes(const std::vector<int64_t>& ids, const std::vector<std::vector<at::Tensor>>& samples,
                       std::vector<std::string>& failures) const;
  std::vector<at::Tensor> stack_samples(const std::vector<std::vector<at::Tensor>>& samples) const;
  /// Whether next() makes batches in the calling thread: an in-memory batch bound for the CPU.
  bool make_here() const { return batch_fetch_ && device_.is_cpu(); }
  void prefetch();
  /// The job's transforms on one sample's inputs (on a pool thread).
  void transform(int64_t id, std::vector<at::Tensor>& sample) const;

  const DatasetModule& data_;
  hearth_split source_;
  EpochOrder order_;
  SamplePool pool_;
  c10::Device device_{c10::kCPU};
  int64_t cursor_ = 0;
  /// Set once the dataset answered a batch fetch: a whole in-memory batch is one index_select
  /// (tens of microseconds), cheaper to take in the training thread than to hand over from
  /// another thread whose CPU time competes with LibTorch's own threads.
  std::atomic<bool> batch_fetch_{false};
  double wait_seconds_ = 0;
  bool skip_bad_ = false;
  std::vector<TransformStep> steps_;
  /// Per input slot: [0] the steps for a [C, H, W] tensor, [1] the named steps for any other.
  std::vector<std::array<std::vector<TransformStep>, 2>> slot_steps_;
  uint64_t transform_seed_ = 0;
  std::atomic<int64_t> epoch_{0};
  std::atomic<int64_t> bad_samples_{0};  ///< counted on the prefetch thread, read by the trainer
  std::vector<size_t> input_slots_, target_slots_;
  // Last: its thread calls make(), so it must stop before the members above go.
  std::unique_ptr<BatchPrefetcher> prefetcher_;
};

}  // namespace hearth
