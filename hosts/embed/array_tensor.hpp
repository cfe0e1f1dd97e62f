// The program's arrays as tensors, without a copy where LibTorch can describe them: a float32
// array (host or CUDA memory, C order or any non-negative strides: Fortran's column-major arrays
// are strided views) is wrapped as it is; other element types are converted to what models and
// losses take (float64 -> float32, int32 -> int64), which copies.
#pragma once

#include <ATen/Tensor.h>

#include <string>
#include <vector>

#include "hearth/embed.h"

namespace hearth::embed {

/// `count` arrays, each checked (null data, rank, negative sizes or strides, unknown dtype,
/// struct_size) and named `what` i in errors; throws ShapeMismatch or UsageError.
std::vector<at::Tensor> tensors_of(const hearth_embed_array* arrays, size_t count, const char* what);

/// Copies `outputs` (the model's) into the caller's `arrays`, which must have their shapes and
/// an element type they convert to; throws ShapeMismatch naming both.
void copy_into(const std::vector<at::Tensor>& outputs, hearth_embed_array* arrays, size_t count);

}  // namespace hearth::embed
