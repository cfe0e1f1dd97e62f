#include "engine/data/split_plan.hpp"

#include <algorithm>

#include "engine/core/error.hpp"
#include "engine/data/epoch_order.hpp"

namespace hearth {
namespace {

IndexSet keep_share(const IndexSet& v, double share) {
  if (share >= 1.0 || v.empty()) return v;
  return v.prefix(static_cast<int64_t>(std::max<double>(1.0, static_cast<double>(v.size()) * share)));
}

}  // namespace

SplitPlan::SplitPlan(const DatasetModule& data, double valid_fraction, double subsample, uint64_t seed) {
  sources_[0] = HEARTH_SPLIT_TRAIN;
  sources_[1] = HEARTH_SPLIT_VALID;
  sources_[2] = HEARTH_SPLIT_TEST;
  if (valid_fraction > 0) {
    // A seeded share of train becomes valid: the same seed always holds out the same samples.
    std::vector<int64_t> train = IndexSet::range(data.size(HEARTH_SPLIT_TRAIN)).to_vector();
    seeded_shuffle(train, seed ^ 0x5eed5eedULL);
    const auto n_valid = static_cast<std::ptrdiff_t>(static_cast<double>(train.size()) * valid_fraction);
    std::vector<int64_t> valid(train.begin(), train.begin() + n_valid);
    train.erase(train.begin(), train.begin() + n_valid);
    std::sort(valid.begin(), valid.end());
    std::sort(train.begin(), train.end());
    indices_[0] = std::move(train);
    indices_[1] = std::move(valid);
    sources_[1] = HEARTH_SPLIT_TRAIN;
  } else {
    indices_[0] = IndexSet::range(data.size(HEARTH_SPLIT_TRAIN));
    indices_[1] = IndexSet::range(data.size(HEARTH_SPLIT_VALID));
  }
  indices_[2] = IndexSet::range(data.size(HEARTH_SPLIT_TEST));
  for (auto& v : indices_) v = keep_share(v, subsample);
  if (indices_[0].empty())
    throw UsageError("the dataset's train split is empty; check its parameters (or subsample/valid_fraction)");
}

}  // namespace hearth
