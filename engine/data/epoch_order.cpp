#include "engine/data/epoch_order.hpp"

#include <algorithm>
#include <random>
#include <string>

#include "engine/core/error.hpp"

namespace hearth {

void seeded_shuffle(std::vector<int64_t>& v, uint64_t seed) {
  std::mt19937_64 rng(seed);
  // std::shuffle's use of the engine is unspecified across libraries; Fisher-Yates by hand keeps
  // the order identical wherever Hearth is built.
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng() % i]);
}

EpochOrder::EpochOrder(IndexSet indices, int64_t batch, bool shuffle, uint64_t seed)
    : indices_(std::move(indices)), shuffle_(shuffle), seed_(seed) {
  // A batch larger than the split is the whole split (and batch arithmetic cannot overflow).
  batch_ = std::clamp<int64_t>(batch, 1, std::max<int64_t>(1, indices_.size()));
}

void EpochOrder::set_rank(int rank, int world) {
  if (world < 1 || rank < 0 || rank >= world)
    throw Error("internal error: rank " + std::to_string(rank) + " of " + std::to_string(world));
  rank_ = rank;
  world_ = world;
}

void EpochOrder::start(int64_t epoch) {
  if (!shuffle_) return;
  const uint64_t key = seed_ * 1000003ULL + static_cast<uint64_t>(epoch);
  if (indices_.size() <= kListShuffleLimit) {
    shuffled_ = indices_.to_vector();
    seeded_shuffle(shuffled_, key);
  } else {
    permutation_.emplace(indices_.size(), key);
  }
}

int64_t EpochOrder::at(int64_t position) const {
  if (!shuffle_) return indices_[position];
  if (permutation_) return indices_[(*permutation_)(position)];
  return shuffled_[static_cast<size_t>(position)];
}

std::vector<int64_t> EpochOrder::order() const {
  std::vector<int64_t> out(static_cast<size_t>(indices_.size()));
  for (int64_t i = 0; i < indices_.size(); ++i) out[static_cast<size_t>(i)] = at(i);
  return out;
}

int64_t EpochOrder::used_samples() const {
  const int64_t n = indices_.size();
  return n - n % world_;
}

int64_t EpochOrder::sample_count() const { return used_samples() / world_; }

int64_t EpochOrder::batch_count() const {
  const int64_t global = batch_ * world_;
  return (used_samples() + global - 1) / global;
}

std::pair<int64_t, int64_t> EpochOrder::positions(int64_t b) const {
  const int64_t global = batch_ * world_;
  const int64_t begin = b * global;
  // Every global batch, the last one too, holds a multiple of `world` samples.
  const int64_t slice = std::min(global, used_samples() - begin) / world_;
  return {begin + rank_ * slice, begin + (rank_ + 1) * slice};
}

std::vector<int64_t> EpochOrder::batch(int64_t b) const {
  if (b < 0 || b >= batch_count()) throw Error("internal error: batch " + std::to_string(b) + " of " + std::to_string(batch_count()));
  const auto [first, last] = positions(b);
  std::vector<int64_t> ids;
  ids.reserve(static_cast<size_t>(last - first));
  for (int64_t p = first; p < last; ++p) ids.push_back(at(p));
  return ids;
}

}  // namespace hearth
