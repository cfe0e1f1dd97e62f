// Batches from a dataset plugin: split selection (the plugin's own split, or a seeded share of
// train), subsampling, seeded shuffling per epoch, batch fetch when the plugin offers it, else a
// pool of threads fetching samples and stacking them. The next batch is prepared while the
// current one trains; the time the trainer still waits is measured. For a GPU, the fetch thread
// also moves each batch there (pinned memory, a non-blocking copy) one batch ahead.
#pragma once

#include <ATen/Tensor.h>
#include <c10/core/Device.h>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <optional>
#include <vector>

#include "engine/jobs/split_name.hpp"
#include "engine/runtime/modules/dataset_module.hpp"

namespace hearth {

struct Batch {
  std::vector<at::Tensor> inputs;   ///< tensors with the input role, in sample order (on the loader's device)
  std::vector<at::Tensor> targets;  ///< tensors with the target role (on the loader's device)
  std::vector<at::Tensor> columns;  ///< every tensor, in the dataset's order (analyzers, renders), on the CPU
  int64_t size = 0;
};

/// Which plugin split and which of its indices make up each of train, valid and test.
class SplitPlan {
 public:
  SplitPlan(const DatasetModule& data, double valid_fraction, double subsample, uint64_t seed);
  hearth_split source(SplitName s) const { return sources_[static_cast<int>(s)]; }
  const std::vector<int64_t>& indices(SplitName s) const { return indices_[static_cast<int>(s)]; }

 private:
  hearth_split sources_[3];
  std::vector<int64_t> indices_[3];
};

class BatchLoader {
 public:
  BatchLoader(const DatasetModule& data, hearth_split source, std::vector<int64_t> indices, int64_t batch_size,
              bool shuffle, uint64_t seed, int workers);
  ~BatchLoader();

  /// Starts an epoch: the order is a function of (seed, epoch) alone, so a resumed run sees the
  /// same batches. `skip` batches are passed over (resuming mid-epoch).
  void start_epoch(int64_t epoch, int64_t skip = 0);
  /// From the next epoch on, this process sees only shard `rank` of `world`: the epoch's order
  /// is cut to a multiple of `world` (the remainder is dropped, a different one each shuffled
  /// epoch) and rank r takes positions r, r + world, ... as PyTorch's DistributedSampler does.
  void shard(int rank, int world);
  /// Inputs and targets arrive on `device`. For a GPU the fetch thread copies each batch there
  /// from pinned memory without blocking, while the previous batch trains: the copy then waits
  /// on nothing but the GPU's own queue. The CPU needs no copy and keeps the fetch as it was.
  void deliver_to(c10::Device device);
  /// The next batch of the epoch, or nullopt at its end.
  std::optional<Batch> next();
  int64_t batch_count() const;
  /// Samples this process sees per epoch (its shard's).
  int64_t sample_count() const;
  /// Seconds next() spent waiting for data since the epoch started.
  double wait_seconds() const { return wait_seconds_; }

 private:
  Batch fetch(int64_t batch_index) const;
  /// Samples `ids` fetched by the persistent sample pool (and the calling thread).
  std::vector<std::vector<at::Tensor>> fetch_samples(const std::vector<int64_t>& ids) const;
  void fetch_share() const;
  /// Whether next() fetches in the calling thread: an in-memory batch bound for the CPU.
  bool fetch_here() const;
  void prefetch();
  void work();
  void pool_work() const;

  const DatasetModule& data_;
  hearth_split source_;
  std::vector<int64_t> indices_;
  std::vector<int64_t> order_;
  int64_t batch_size_;
  bool shuffle_;
  uint64_t seed_;
  int workers_;
  int shard_rank_ = 0, shard_world_ = 1;
  c10::Device device_{c10::kCPU};
  int64_t cursor_ = 0;
  // One fetch thread for the loader's whole life: a thread per batch would also make OpenMP build
  // a new thread team for every batch (libgomp keeps one per calling thread), which cost ~15x.
  std::thread worker_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<int64_t> request_;
  std::optional<Batch> ready_;
  std::exception_ptr error_;
  bool in_flight_ = false;
  bool stop_ = false;
  /// Set once the dataset answered a batch fetch: a whole in-memory batch is one index_select
  /// (tens of microseconds), cheaper to take in the training thread than to hand over from
  /// another thread whose CPU time competes with LibTorch's own threads.
  mutable std::atomic<bool> batch_fetch_{false};

  // Sample pool for datasets without batch fetch: `workers - 1` threads started once, which with
  // the fetching thread share out the samples of each batch.
  mutable std::vector<std::thread> pool_;
  mutable std::mutex pool_mutex_;
  mutable std::condition_variable pool_wake_, pool_done_;
  mutable const std::vector<int64_t>* job_ids_ = nullptr;
  mutable std::vector<std::vector<at::Tensor>>* job_out_ = nullptr;
  mutable std::atomic<size_t> job_next_{0};
  mutable size_t job_busy_ = 0;
  mutable uint64_t job_generation_ = 0;
  mutable std::exception_ptr job_error_;
  mutable bool pool_stop_ = false;
  double wait_seconds_ = 0;
  std::vector<size_t> input_slots_, target_slots_;
};

}  // namespace hearth
