// The generic path to a model plugin's state for plugins older than ABI 1.4 (no `state` entry):
// the SDK's save_state writes an nn::Module archive, whose nesting gives every parameter and
// buffer the name PyTorch's state_dict would (parameters, then buffers, then each child's).
#pragma once

#include <ATen/Tensor.h>

#include <string>
#include <utility>
#include <vector>

namespace hearth {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

/// The tensors of an archive written by torch::serialize::OutputArchive (nested archives give
/// the dotted prefixes). Throws Error when the bytes are not such an archive.
NamedTensors tensors_of_archive(const std::string& bytes);

/// An archive holding `tensors` nested by their dotted names, as nn::Module::load reads it.
std::string archive_of_tensors(const NamedTensors& tensors);

}  // namespace hearth
