// The order in which an epoch visits a split's samples, and which of them each rank takes: what
// PyTorch calls a (distributed) sampler. The order is a function of the seed and the epoch alone,
// never of the number of workers or ranks or of where a run was resumed.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "engine/data/index_set.hpp"
#include "engine/data/keyed_permutation.hpp"

namespace hearth {

/// Shuffles `v` with a generator seeded by `seed`, identically wherever Hearth is built.
void seeded_shuffle(std::vector<int64_t>& v, uint64_t seed);

/// One rank's view of every epoch of a split. Global batch b is positions [b*G, (b+1)*G) of the
/// epoch's order, G = world x batch; rank r takes the r-th of `world` equal consecutive slices of
/// it, so the ranks' batches put side by side are the batch one process with batch G would see.
/// The last n mod world samples of each epoch are left out with several ranks, so that every rank
/// has the same number of samples in every batch (as DistributedSampler's drop_last does).
/// Splits of up to kListShuffleLimit samples are shuffled as a list (Fisher-Yates, 8 bytes a
/// sample); larger ones by a KeyedPermutation, which needs no memory per sample.
class EpochOrder {
 public:
  static constexpr int64_t kListShuffleLimit = int64_t{1} << 24;

  /// `indices` are the split's samples in their stored order; `batch` is per rank.
  EpochOrder(IndexSet indices, int64_t batch, bool shuffle, uint64_t seed);

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
  /// The sample at position `position` of the current epoch's order.
  int64_t at(int64_t position) const;
  /// The whole epoch's order (every rank's samples), as one process would visit it (a list: for
  /// small splits and tests).
  std::vector<int64_t> order() const;

 private:
  /// Positions [first, second) of the epoch's order that this rank takes for global batch `b`.
  std::pair<int64_t, int64_t> positions(int64_t b) const;
  int64_t used_samples() const;

  IndexSet indices_;
  std::vector<int64_t> shuffled_;              ///< the epoch's order, for a split shuffled as a list
  std::optional<KeyedPermutation> permutation_;  ///< positions to indices_, for a larger one
  int64_t batch_;
  bool shuffle_;
  uint64_t seed_;
  int rank_ = 0, world_ = 1;
};

}  // namespace hearth
