// Tensors from and to files for `hearth infer`: NPY, IDX (raw or gzip), CSV and PNG in; NPY and
// CSV out.
#pragma once

#include <ATen/Tensor.h>

#include <filesystem>

namespace hearth {

/// Reads a batch of inputs: .npy (as stored), IDX (uint8 scaled to [0, 1], gzip or raw), .csv
/// (numbers; a first line with text is a header), .png (one image [1, C, H, W] in [0, 1]).
/// Throws Error naming the file.
at::Tensor read_tensor_file(const std::filesystem::path& file);

/// Writes [N, ...] outputs as .npy (float32) or .csv (one row per sample, flattened).
void write_tensor_file(const std::filesystem::path& file, const at::Tensor& tensor);

}  // namespace hearth
