// Data-parallel gradients: the model's parameters in buckets of about `bucket_mb`, in reverse
// order (the order backward produces their gradients). A gradient hook copies each gradient into
// its bucket as autograd produces it; a full bucket starts its all-reduce at once, so
// communication overlaps the rest of backward, as PyTorch's DDP reducer does.
#pragma once

#include <ATen/Tensor.h>

#include <memory>
#include <vector>

#include "engine/distributed/rank_group.hpp"

namespace hearth {

class GradientBuckets {
 public:
  GradientBuckets(RankGroup& group, std::vector<at::Tensor> parameters, double bucket_mb);
  ~GradientBuckets();
  GradientBuckets(const GradientBuckets&) = delete;
  GradientBuckets& operator=(const GradientBuckets&) = delete;

  /// Whether the next backward pass all-reduces (the last micro-step of an accumulation), or only
  /// accumulates locally.
  void arm(bool on);
  /// After backward: starts the buckets no gradient reached (unused parameters count as zero),
  /// waits for all, and writes the ranks' mean into each parameter's gradient.
  void finish();

  size_t bucket_count() const;
  /// Seconds finish() spent waiting on all-reduces since the last call of this (the share of the
  /// step spent on communication that backward did not hide).
  double take_wait_seconds();

 private:
  struct Bucket;
  void on_gradient(size_t bucket, size_t slot, const at::Tensor& grad);
  void launch(Bucket& b);

  RankGroup& group_;
  std::vector<at::Tensor> parameters_;
  std::vector<std::unique_ptr<Bucket>> buckets_;
  std::vector<std::pair<size_t, unsigned>> hooks_;  ///< (parameter, hook position), removed on destruction
  bool armed_ = false;
  double wait_seconds_ = 0;
};

}  // namespace hearth
