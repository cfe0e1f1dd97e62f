// .npy images as tensors (format 1.0-3.0), from the header that npy_header.hpp reads and checks:
// the `npy` and `shards` datasets each use it.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "npy_header.hpp"

namespace hearth_datasets {

/// Where an .npy image keeps its array, from its header (format 1.0-3.0).
struct NpyLayout {
  torch::ScalarType type;
  std::vector<int64_t> shape;
  size_t data_offset;
};

/// The layout of the .npy image `bytes[0, size)` (read_npy_header's checks); `what` names it in
/// errors, as does a dtype with no tensor type.
inline NpyLayout read_npy_layout(const uint8_t* bytes, size_t size, const std::string& what) {
  NpyHeader header = read_npy_header(bytes, size, what);
  static const std::map<std::string, torch::ScalarType> types = {
      {"f4", torch::kFloat32}, {"f8", torch::kFloat64}, {"i8", torch::kInt64}, {"i4", torch::kInt32},
      {"i2", torch::kInt16},   {"u1", torch::kUInt8},   {"i1", torch::kInt8},  {"b1", torch::kBool}};
  auto type = types.find(header.dtype);
  if (type == types.end()) throw std::invalid_argument(what + ": dtype " + header.dtype + " is not supported");
  return {type->second, std::move(header.shape), header.data_offset};
}

/// A copy of the .npy image `bytes[0, size)` as a tensor; `what` names it in errors.
inline torch::Tensor npy_tensor(const uint8_t* bytes, size_t size, const std::string& what) {
  const NpyLayout layout = read_npy_layout(bytes, size, what);
  return torch::from_blob(const_cast<uint8_t*>(bytes + layout.data_offset), layout.shape, layout.type).clone();
}

}  // namespace hearth_datasets
