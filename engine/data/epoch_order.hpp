// The order in which an epoch visits a split's samples, and which of them each rank takes: what
// PyTorch calls a (distributed) sampler. The order is a function of the seed and the epoch alone,
// never of the number of workers or ranks or of where a run was resumed.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace hearth {

/// Shuffles `v` with a generator seeded by `seed`, identically wherever Hearth is built.
void seeded_shuffle(std::vector<int64_t>& v, uint64_t seed);

/// One rank's view of every epoch of a split. Global batch b is positions [b*G, (b+1)*G) of the
/// epoch's order, G = world x batch; rank r takes the r-th of `world` equal consecutive slices of
/// it, so the ranks' batches put side by side are the batch one process with batch G would see.
/// The last n mod world samples of each epoch are left out with several ranks, so that every rank
/// has the same number of samples in every batch (as DistributedSampler's drop_last does).
class EpochOrder {
 public:
  /// `indices` are the split's samples in their stored order; `batch` is per rank.
  EpochOrder(std::vector<int64_t> indices, int64_t batch, bool shuffle, uint64_t seed);

  /// This process is rank `rank` of `world` from the next epoch on. Throws Error when not
  /// 0 <= rank < world.
  void set_rank(int rank, int world);
  /// Makes epoch `epoch` current.
  void start(int64_t epoch);

  /// Batches per epoch (the same on every rank).
  int64_t batch_count() const;
  /// Samples this rank sees per epoch.
  int64_t sample_count() const;
  /// The samples of this rank's part of global batch `b` of the current epoch.
  std::vector<int64_t> batch(int64_t b) const;
  /// The whole epoch's order (every rank's samples), as one process would visit it.
  const std::vector<int64_t>& order() const { return order_; }

 private:
  /// Positions [first, second) of the epoch's order that this rank takes for global batch `b`.
  std::pair<int64_t, int64_t> positions(int64_t b) const;
  int64_t used_samples() const;

  std::vector<int64_t> indices_;
  std::vector<int64_t> order_;
  int64_t batch_;
  bool shuffle_;
  uint64_t seed_;
  int rank_ = 0, world_ = 1;
};

}  // namespace hearth
