// The .npy format's header (format 1.0-3.0): dtype, shape and where the data starts, checked
// against the bytes there are. Header-only: the `npy` and `shards` datasets each use it.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace hearth_datasets {

/// Where an .npy image keeps its array, from its header (format 1.0-3.0).
struct NpyLayout {
  torch::ScalarType type;
  std::vector<int64_t> shape;
  size_t data_offset;
};

/// The layout of the .npy image `bytes[0, size)`; `what` names it in errors. The data must all be
/// there: a shape that claims more than the file holds is refused before anything reads it.
inline NpyLayout read_npy_layout(const uint8_t* bytes, size_t size, const std::string& what) {
  if (size < 10 || std::memcmp(bytes, "\x93NUMPY", 6) != 0) throw std::invalid_argument(what + " is not a .npy array");
  const int major = bytes[6];
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<size_t>(bytes[8]) | static_cast<size_t>(bytes[9]) << 8;
    offset = 10;
  } else {
    if (size < 12) throw std::invalid_argument(what + " is truncated");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(bytes[8 + i]) << (8 * i);
    offset = 12;
  }
  if (size < offset + header_len) throw std::invalid_argument(what + " is truncated (header)");
  const std::string header(reinterpret_cast<const char*>(bytes) + offset, header_len);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([<>|=])([a-z])([0-9]+)'")))
    throw std::invalid_argument(what + ": unsupported dtype in header " + header);
  std::string order = m[1], kind = m[2];
  const int width = std::stoi(m[3]);
  if (order == ">") throw std::invalid_argument(what + ": big-endian arrays are not supported; save with dtype '<...'");
  if (header.find("'fortran_order': True") != std::string::npos)
    throw std::invalid_argument(what + ": Fortran-ordered arrays are not supported; save np.ascontiguousarray(a)");
  static const std::map<std::string, torch::ScalarType> types = {
      {"f4", torch::kFloat32}, {"f8", torch::kFloat64}, {"i8", torch::kInt64}, {"i4", torch::kInt32},
      {"i2", torch::kInt16},   {"u1", torch::kUInt8},   {"i1", torch::kInt8},  {"b1", torch::kBool}};
  auto type = types.find(kind + std::to_string(width));
  if (type == types.end()) throw std::invalid_argument(what + ": dtype " + kind + std::to_string(width) + " is not supported");
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)"))) throw std::invalid_argument(what + ": no shape in header");
  NpyLayout layout{type->second, {}, offset + header_len};
  const std::string dims = m[1];
  static const std::regex number("[0-9]+");
  // The byte count is checked for overflow: a hostile header may claim dimensions whose product
  // wraps around to something small.
  uint64_t bytes_needed = static_cast<uint64_t>(width);
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    if (it->str().size() > 18) throw std::invalid_argument(what + ": a dimension of " + it->str() + " is not believable");
    const int64_t d = std::stoll(it->str());
    layout.shape.push_back(d);
    if (__builtin_mul_overflow(bytes_needed, static_cast<uint64_t>(d), &bytes_needed))
      throw std::invalid_argument(what + ": its shape claims more bytes than any file holds");
  }
  const size_t data_bytes = size - layout.data_offset;
  if (data_bytes < bytes_needed)
    throw std::invalid_argument(what + " is truncated: " + std::to_string(data_bytes) + " of " + std::to_string(bytes_needed) +
                                " data bytes");
  return layout;
}

/// A copy of the .npy image `bytes[0, size)` as a tensor; `what` names it in errors.
inline torch::Tensor npy_tensor(const uint8_t* bytes, size_t size, const std::string& what) {
  const NpyLayout layout = read_npy_layout(bytes, size, what);
  return torch::from_blob(const_cast<uint8_t*>(bytes + layout.data_offset), layout.shape, layout.type).clone();
}

}  // namespace hearth_datasets
