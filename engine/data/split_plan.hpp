// Which samples make up train, valid and test: the plugin's own splits, or a seeded share of train
// held out as valid; then the job's subsample of each.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/data/index_set.hpp"
#include "engine/core/split_name.hpp"
#include "engine/runtime/modules/dataset_module.hpp"

namespace hearth {

/// Which plugin split and which of its indices make up each of train, valid and test. Without
/// valid_fraction a split is every sample of the plugin's (no memory per sample); with it, train
/// and valid are lists (8 bytes a sample).
class SplitPlan {
 public:
  /// Throws UsageError when train ends up empty.
  SplitPlan(const DatasetModule& data, double valid_fraction, double subsample, uint64_t seed);
  hearth_split source(SplitName s) const { return sources_[static_cast<int>(s)]; }
  const IndexSet& indices(SplitName s) const { return indices_[static_cast<int>(s)]; }

 private:
  hearth_split sources_[3];
  IndexSet indices_[3];
};

}  // namespace hearth
