// One copy of a large read-only tensor for all ranks of a job on one machine (ABI 1.2): a dataset
// that holds its samples in memory asks for it through hearth::shared_tensor, so that
// `hearth run --nproc 4` keeps one copy instead of four.
#pragma once

#include <ATen/ATen.h>

#include <cstddef>
#include <exception>
#include <functional>
#include <string>

#include "hearth/abi.h"
#include "hearth/sdk/host.hpp"

namespace hearth {

/// Memory for the tensor being made: a writable tensor of `shape` and `dtype`.
using SharedAlloc = std::function<Tensor(at::IntArrayRef shape, at::ScalarType dtype)>;

namespace detail {

struct SharedMakeCall {
  const std::function<Tensor(const SharedAlloc&)>* make;
  std::exception_ptr error;  ///< what make threw, rethrown on this side of the boundary
};

inline hearth_tensor* shared_make(void* arg, hearth_shared_alloc alloc, void* alloc_context) noexcept {
  auto* call = static_cast<SharedMakeCall*>(arg);
  try {
    SharedAlloc memory = [&](at::IntArrayRef shape, at::ScalarType dtype) {
      const Tensor like = at::empty({0}, at::TensorOptions().dtype(dtype));
      hearth_tensor* like_handle = to_handle(like);
      hearth_tensor* made = alloc(alloc_context, shape.data(), shape.size(), like_handle);
      host().tensor_release(like_handle);
      if (made == nullptr) throw HostError();
      Tensor out = from_handle(made);
      host().tensor_release(made);
      return out;
    };
    return to_handle((*call->make)(memory));
  } catch (...) {
    call->error = std::current_exception();
    return nullptr;
  }
}

inline bool host_shares_tensors() {
  const hearth_host_api& h = host();
  return h.struct_size >= offsetof(hearth_host_api, shared_tensor) + sizeof(h.shared_tensor) &&
         h.shared_tensor != nullptr;
}

}  // namespace detail

/// The tensor named `key`, made once per machine. `make(alloc)` builds it, ideally filling
/// memory from `alloc` (it then needs no copy); it runs in one local rank while the others wait and
/// map its result, or here alone in a single-process job. `key` must name the content (file paths,
/// the parameters that change it): the same key must always make the same tensor. The result is
/// read-only in spirit: writes to it stay in this process and cost it a private copy of the pages.
inline Tensor shared_tensor(const std::string& key, const std::function<Tensor(const SharedAlloc&)>& make) {
  if (!detail::host_shares_tensors())
    return make([](at::IntArrayRef shape, at::ScalarType dtype) { return at::empty(shape, at::TensorOptions().dtype(dtype)); });
  detail::SharedMakeCall call{&make, nullptr};
  hearth_tensor* out = nullptr;
  const hearth_host_api& h = detail::host();
  const hearth_status status = h.shared_tensor(h.context, key.c_str(), &detail::shared_make, &call, &out);
  if (call.error) std::rethrow_exception(call.error);
  if (status != HEARTH_OK || out == nullptr) throw HostError();
  Tensor t = from_handle(out);
  h.tensor_release(out);
  return t;
}

}  // namespace hearth
