// Data augmentation of train batches: random horizontal flips and random shifts of image inputs.
// Each batch draws from its own generator, seeded by (seed, epoch, batch), so augmented runs stay
// reproducible and resume exactly, whichever thread fetched the batch.
#pragma once

#include <ATen/Tensor.h>

#include <cstdint>
#include <vector>

#include "engine/params/param_values.hpp"

namespace hearth {

struct Augmentation {
  bool flip = false;  ///< mirror left-right with probability 1/2
  int64_t shift = 0;  ///< move by up to this many pixels in each direction, edges replicated
  bool any() const { return flip || shift > 0; }
};

/// The augmentation a [dataset] table asks for (host keys augment_flip, augment_shift).
Augmentation augmentation_of(const ParamValues& dataset_host);

/// Augments every input with two or more dimensions after the batch one (…, H, W); others pass.
std::vector<at::Tensor> augment_batch(const std::vector<at::Tensor>& inputs, const Augmentation& a, uint64_t seed,
                                      int64_t epoch, int64_t batch);

}  // namespace hearth
