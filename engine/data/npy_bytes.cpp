#include "engine/data/npy_bytes.hpp"

#include <ATen/ATen.h>

#include "engine/core/error.hpp"

namespace hearth {
namespace {

const char* descr_of(at::ScalarType type) {
  switch (type) {
    case at::kFloat: return "<f4";
    case at::kDouble: return "<f8";
    case at::kHalf: return "<f2";
    case at::kLong: return "<i8";
    case at::kInt: return "<i4";
    case at::kShort: return "<i2";
    case at::kChar: return "|i1";
    case at::kByte: return "|u1";
    case at::kBool: return "|b1";
    default: return nullptr;
  }
}

}  // namespace

std::string npy_bytes(const at::Tensor& tensor, const std::string& what) {
  const at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
  const char* descr = descr_of(t.scalar_type());
  if (descr == nullptr)
    throw Error(what + " is " + std::string(c10::toString(t.scalar_type())) + ", which .npy cannot hold exactly");
  std::string shape = "(";
  for (int64_t d : t.sizes()) shape += std::to_string(d) + ",";
  shape += ")";
  std::string header = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // NumPy pads the header with spaces so that the data starts on a 64-byte boundary.
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(static_cast<const char*>(t.data_ptr()), static_cast<size_t>(t.numel()) * t.element_size());
  return out;
}

}  // namespace hearth
