#include "hosts/embed/array_tensor.hpp"

#include <ATen/ATen.h>

#include "engine/training/blamed_calls.hpp"
#include "hosts/embed/embedded_run.hpp"

namespace hearth::embed {
namespace {

constexpr int32_t kMaxRank = 8;

at::ScalarType scalar_type_of(hearth_embed_dtype dtype, const std::string& name) {
  switch (dtype) {
    case HEARTH_EMBED_FLOAT32: return at::kFloat;
    case HEARTH_EMBED_FLOAT64: return at::kDouble;
    case HEARTH_EMBED_INT32: return at::kInt;
    case HEARTH_EMBED_INT64: return at::kLong;
  }
  throw BadArgument(name + " has dtype " + std::to_string(static_cast<int>(dtype)) + ", which is none of hearth_embed_dtype's");
}

/// The caller's memory as a tensor, shared, not copied.
at::Tensor view_of(const hearth_embed_array& a, const std::string& name) {
  if (a.struct_size < sizeof(hearth_embed_array)) throw BadArgument(name + ": struct_size " + std::to_string(a.struct_size) +
                                                                   " is smaller than hearth_embed_array (fill it with hearth_embed_array_init)");
  if (a.rank < 1 || a.rank > kMaxRank)
    throw ShapeMismatch(name + " has rank " + std::to_string(a.rank) + "; an array has 1 to " + std::to_string(kMaxRank) +
                        " dimensions, the first the batch");
  if (a.shape == nullptr) throw BadArgument(name + " has no shape");
  std::vector<int64_t> sizes(a.shape, a.shape + a.rank), strides;
  for (int64_t s : sizes)
    if (s < 0) throw ShapeMismatch(name + " has a negative size");
  if (a.strides != nullptr) {
    strides.assign(a.strides, a.strides + a.rank);
    for (int64_t s : strides)
      if (s < 0) throw ShapeMismatch(name + " has a negative stride; pass the array in its own order");
  }
  int64_t elements = 1;
  for (int64_t s : sizes) elements *= s;
  if (a.data == nullptr && elements > 0) throw BadArgument(name + " has no data");
  at::TensorOptions options = at::TensorOptions().dtype(scalar_type_of(a.dtype, name));
  options = a.device < 0 ? options.device(at::kCPU) : options.device(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(a.device)));
  return strides.empty() ? at::from_blob(a.data, sizes, options) : at::from_blob(a.data, sizes, strides, options);
}

}  // namespace

std::vector<at::Tensor> tensors_of(const hearth_embed_array* arrays, size_t count, const char* what) {
  if (count > 0 && arrays == nullptr) throw BadArgument(std::string("no ") + what + " arrays (a null pointer for " +
                                                       std::to_string(count) + ")");
  std::vector<at::Tensor> out;
  for (size_t i = 0; i < count; ++i) {
    at::Tensor t = view_of(arrays[i], std::string(what) + " " + std::to_string(i));
    if (t.scalar_type() == at::kDouble) t = t.to(at::kFloat);
    if (t.scalar_type() == at::kInt) t = t.to(at::kLong);
    out.push_back(t);
  }
  return out;
}

void copy_into(const std::vector<at::Tensor>& outputs, hearth_embed_array* arrays, size_t count) {
  if (count != outputs.size())
    throw ShapeMismatch("the model gives " + std::to_string(outputs.size()) + " outputs; " + std::to_string(count) +
                        " arrays were given for them");
  if (count > 0 && arrays == nullptr) throw BadArgument("no output arrays (a null pointer)");
  for (size_t i = 0; i < count; ++i) {
    const std::string name = "output " + std::to_string(i);
    at::Tensor into = view_of(arrays[i], name);
    if (!into.sizes().equals(outputs[i].sizes()))
      throw ShapeMismatch(name + " is " + shapes_text({into}) + ", but the model's output " + std::to_string(i) + " is " +
                          shapes_text({outputs[i]}));
    into.copy_(outputs[i]);
  }
}

}  // namespace hearth::embed
