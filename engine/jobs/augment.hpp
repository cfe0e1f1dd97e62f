// Data augmentation of train batches: random horizontal flips and random shifts of image inputs.
// Each batch draws from its own generator, seeded by (seed, epoch, batch), so augmented runs stay
// reproducible and resume exactly, whichever thread fetched the batch.
#pragma once

#include <ATen/Tensor.h>

#include <cstdint>
#include <vector>

#include "engine/jobs/job_options.hpp"

namespace hearth {

/// Augments every input with two or more dimensions after the batch one (…, H, W); others pass.
std::vector<at::Tensor> augment_batch(const std::vector<at::Tensor>& inputs, const Augmentation& a, uint64_t seed,
                                      int64_t epoch, int64_t batch);

}  // namespace hearth
