#include "engine/data/split_plan.hpp"

#include <algorithm>
#include <numeric>

#include "engine/core/error.hpp"
#include "engine/data/epoch_order.hpp"

namespace hearth {
namespace {

std::vector<int64_t> range(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

void keep_share(std::vector<int64_t>& v, double share) {
  if (share < 1.0 && !v.empty()) v.resize(static_cast<size_t>(std::max<double>(1.0, static_cast<double>(v.size()) * share)));
}

}  // namespace

SplitPlan::SplitPlan(const DatasetModule& data, double valid_fraction, double subsample, uint64_t seed) {
  sources_[0] = HEARTH_SPLIT_TRAIN;
  sources_[1] = HEARTH_SPLIT_VALID;
  sources_[2] = HEARTH_SPLIT_TEST;
  std::vector<int64_t> train = range(data.size(HEARTH_SPLIT_TRAIN));
  if (valid_fraction > 0) {
    // A seeded share of train becomes valid: the same seed always holds out the same samples.
    seeded_shuffle(train, seed ^ 0x5eed5eedULL);
    size_t n_valid = static_cast<size_t>(static_cast<double>(train.size()) * valid_fraction);
    indices_[1].assign(train.begin(), train.begin() + static_cast<std::ptrdiff_t>(n_valid));
    train.erase(train.begin(), train.begin() + static_cast<std::ptrdiff_t>(n_valid));
    std::sort(indices_[1].begin(), indices_[1].end());
    std::sort(train.begin(), train.end());
    sources_[1] = HEARTH_SPLIT_TRAIN;
  } else {
    indices_[1] = range(data.size(HEARTH_SPLIT_VALID));
  }
  indices_[0] = std::move(train);
  indices_[2] = range(data.size(HEARTH_SPLIT_TEST));
  for (auto& v : indices_) keep_share(v, subsample);
  if (indices_[0].empty())
    throw UsageError("the dataset's train split is empty; check its parameters (or subsample/valid_fraction)");
}

}  // namespace hearth
