// A tensor as the bytes of an .npy file (format 1.0), the form NumPy and every Python tool read.
#pragma once

#include <ATen/Tensor.h>

#include <string>

namespace hearth {

/// The .npy image of `t` (on the CPU, contiguous, as stored: no conversion). Throws Error for a
/// dtype NumPy has no exact twin of here (bfloat16, complex), naming `what`.
std::string npy_bytes(const at::Tensor& t, const std::string& what);

}  // namespace hearth
