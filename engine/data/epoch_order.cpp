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

EpochOrder::EpochOrder(std::vector<int64_t> indices, int64_t batch, bool shuffle, uint64_t seed)
    : indices_(std::move(indices)), shuffle_(shuffle), seed_(seed) {
  // A batch larger than the split is the whole split (and batch arithmetic cannot overflow).
  batch_ = std::clamp<int64_t>(batch, 1, std::max<int64_t>(1, static_cast<int64_t>(indices_.size())));
  order_ = indices_;
}

void EpochOrder::set_rank(int rank, int world) {
  if (world < 1 || rank < 0 || rank >= world)
    throw Error("internal error: rank " + std::to_string(rank) + " of " + std::to_string(world));
  rank_ = rank;
  world_ = world;
}

void EpochOrder::start(int64_t epoch) {
  order_ = indices_;
  if (shuffle_) seeded_shuffle(order_, seed_ * 1000003ULL + static_cast<uint64_t>(epoch));
}

int64_t EpochOrder::used_samples() const {
  const int64_t n = static_cast<int64_t>(indices_.size());
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
  return {order_.begin() + first, order_.begin() + last};
}

}  // namespace hearth
