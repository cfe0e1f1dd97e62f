#include "engine/export/state_files.hpp"

#include <ATen/ATen.h>
#include <ATen/core/Dict.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/export.h>
#include <torch/csrc/jit/serialization/pickler.h>

#include <cstring>

#include "engine/core/error.hpp"

namespace hearth {
namespace {

/// safetensors' dtype names for the scalar types it holds.
const std::vector<std::pair<c10::ScalarType, const char*>>& dtype_names() {
  static const std::vector<std::pair<c10::ScalarType, const char*>> names = {
      {c10::kFloat, "F32"}, {c10::kDouble, "F64"}, {c10::kHalf, "F16"},  {c10::kBFloat16, "BF16"},
      {c10::kLong, "I64"},  {c10::kInt, "I32"},    {c10::kShort, "I16"}, {c10::kChar, "I8"},
      {c10::kByte, "U8"},   {c10::kBool, "BOOL"}};
  return names;
}

}  // namespace

std::string state_dict_pt_bytes(const NamedTensors& state) {
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& [name, tensor] : state) dict.insert(name, tensor.detach().cpu());
  // torch::jit::pickle_save tags the dict with its TorchScript type (a torch.jit._pickle global),
  // which PyTorch 2.6's torch.load refuses by default (weights_only=True): write it untagged,
  // as torch.save writes a plain dict.
  std::vector<char> pickle;
  torch::jit::Pickler pickler([&](const char* bytes, size_t n) { pickle.insert(pickle.end(), bytes, bytes + n); }, nullptr,
                              nullptr, nullptr, nullptr, /*tag_aggregates=*/false);
  pickler.protocol();
  pickler.pushIValue(dict);
  pickler.stop();
  std::string out;
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* bytes, size_t n) {
    out.append(static_cast<const char*>(bytes), n);
    return n;
  });
  torch::jit::writeArchiveAndTensors("data", pickle.data(), pickle.size(), pickler.tensorData(), writer);
  writer.writeEndOfFile();
  return out;
}

std::vector<SafetensorsTensor> safetensors_of(const NamedTensors& state) {
  std::vector<SafetensorsTensor> out;
  for (const auto& [name, tensor] : state) {
    if (tensor.layout() != c10::kStrided || tensor.is_quantized())
      throw UsageError("tensor '" + name + "' is not a dense tensor; safetensors holds dense ones only");
    const char* dtype = nullptr;
    for (const auto& [type, n] : dtype_names())
      if (type == tensor.scalar_type()) dtype = n;
    if (dtype == nullptr)
      throw UsageError("tensor '" + name + "' has dtype " + std::string(c10::toString(tensor.scalar_type())) +
                       ", which safetensors cannot hold; export state_dict instead");
    at::Tensor t = tensor.detach().cpu().contiguous();
    SafetensorsTensor s;
    s.name = name;
    s.dtype = dtype;
    s.shape.assign(t.sizes().begin(), t.sizes().end());
    s.bytes.assign(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());  // x86 and ARM: little-endian
    out.push_back(std::move(s));
  }
  return out;
}

NamedTensors tensors_of(const SafetensorsFile& file) {
  NamedTensors out;
  for (const SafetensorsTensor& s : file.tensors) {
    c10::ScalarType type = c10::kFloat;
    bool known = false;
    for (const auto& [t, n] : dtype_names())
      if (s.dtype == n) type = t, known = true;
    if (!known) throw UsageError("tensor '" + s.name + "' has dtype " + s.dtype + ", which Hearth does not load");
    at::Tensor t = at::empty(s.shape, at::TensorOptions().dtype(type));
    if (static_cast<size_t>(t.numel() * t.element_size()) != s.bytes.size())
      throw UsageError("tensor '" + s.name + "' has " + std::to_string(s.bytes.size()) + " bytes for its shape");
    if (!s.bytes.empty()) std::memcpy(t.data_ptr(), s.bytes.data(), s.bytes.size());
    out.emplace_back(s.name, t);
  }
  return out;
}

}  // namespace hearth
