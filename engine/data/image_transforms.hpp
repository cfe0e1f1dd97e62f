// Applies [[transforms]] to one sample's image tensors ([C, H, W], uint8 in 0-255 or float in
// [0, 1]) on the loader's threads. uint8 images stay uint8 through every geometric step and
// become float only at `normalize` (or at the end, scaled to [0, 1], when no step did): four
// times less memory to move than float all the way. Each sample draws from its own generator,
// seeded by (seed, epoch, sample), so a sample is transformed alike whatever thread, rank or
// resume fetches it.
#pragma once

#include <ATen/Tensor.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/params/transform_steps.hpp"

namespace hearth {

/// The random numbers of one sample's transforms: std::mt19937_64's raw output mapped by hand
/// (the standard distributions differ between standard libraries), so the same seed gives the
/// same crops with any compiler.
class SampleRandom {
 public:
  SampleRandom(uint64_t seed, int64_t epoch, int64_t sample);
  double uniform(double lo, double hi);  ///< in [lo, hi)
  int64_t below(int64_t n);              ///< in [0, n)

 private:
  std::mt19937_64 engine_;
};

/// Runs `steps` on tensor `image` ([C, H, W]); `what` names the sample in errors. Throws Error
/// for an image that is not [C, H, W] or whose channels do not match normalize's mean and std.
at::Tensor transform_image(const at::Tensor& image, const std::vector<TransformStep>& steps, SampleRandom& random,
                           const std::string& what);

/// torchvision's Resize(size) output for an h x w image: the shorter side becomes `size`, the
/// longer keeps the aspect ratio (rounded down).
std::pair<int64_t, int64_t> resized_shape(int64_t h, int64_t w, int64_t size);

}  // namespace hearth
