// A model's state (state_dict names to tensors) as the files Python reads: PyTorch's `.pt`
// (torch.save's zip of a pickled dict) and safetensors.
#pragma once

#include <ATen/Tensor.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/export/safetensors.hpp"

namespace hearth {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

/// The bytes of a `.pt` file that Python's `torch.load` reads as a dict of names to CPU tensors,
/// in the order given (what `load_state_dict` takes).
std::string state_dict_pt_bytes(const NamedTensors& state);

/// `state` as safetensors tensors (CPU, contiguous, little-endian). Throws UsageError naming the
/// tensor when the format cannot hold its dtype (complex, quantized) or it is not a dense tensor.
std::vector<SafetensorsTensor> safetensors_of(const NamedTensors& state);

/// The tensors of a safetensors file as CPU tensors (each owning its memory).
NamedTensors tensors_of(const SafetensorsFile& file);

}  // namespace hearth
