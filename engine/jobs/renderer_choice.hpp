// Which built-in renderer draws a tensor when the job does not say: chosen from its shape and dtype.
#pragma once

#include <ATen/Tensor.h>

#include <string>

namespace hearth {

/// The renderer for one sample's tensor (no batch dimension) named `name`, in a dataset with
/// `class_count` classes: labels for a scalar or a vector of class scores, signal for W or CW
/// (few channels, many samples), bitmap for HW or [1|3]HW, spectrogram for complex FT or [2]FT,
/// volume for DHW or CDHW, bounding_box for [N, 4..6] tensors whose name says "box".
/// Throws UsageError for a tensor none of them draws.
std::string default_renderer(const at::Tensor& t, size_t class_count, const std::string& name);

}  // namespace hearth
