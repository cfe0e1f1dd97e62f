// Plugin-side access to the host API table: tensor handles, logging, errors.
#pragma once

#include <ATen/Tensor.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "hearth/abi.h"

// Everything the SDK keeps per library must stay inside that library, even when an author forgets
// -fvisibility=hidden; otherwise the dynamic linker would merge the registries of two plugins.
#define HEARTH_SDK_LOCAL __attribute__((visibility("hidden")))

namespace hearth {

using Tensor = at::Tensor;
using TensorList = std::vector<at::Tensor>;

namespace detail {

/// The host table this library was handed by its entry; null before the entry ran.
HEARTH_SDK_LOCAL inline const hearth_host_api*& host_slot() {
  static const hearth_host_api* host = nullptr;
  return host;
}

inline const hearth_host_api& host() {
  const hearth_host_api* h = host_slot();
  if (h == nullptr) throw std::logic_error("hearth SDK used before the host called the library entry");
  return *h;
}

}  // namespace detail

/// Copy of the tensor behind a borrowed handle (shares storage and autograd history).
inline Tensor from_handle(const hearth_tensor* handle) {
  if (handle == nullptr) throw std::invalid_argument("null tensor handle");
  return *static_cast<const at::Tensor*>(detail::host().tensor_unwrap(handle));
}

/// Tensors behind an array of borrowed handles.
inline TensorList from_handles(const hearth_tensor* const* handles, size_t count) {
  TensorList out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) out.push_back(from_handle(handles[i]));
  return out;
}

/// A new handle the receiver owns.
inline hearth_tensor* to_handle(const Tensor& tensor) { return detail::host().tensor_wrap(&tensor); }

/// Append tensors (optionally named) to a host list.
inline void push_all(hearth_tensor_list* list, const TensorList& tensors) {
  for (const Tensor& t : tensors) {
    if (detail::host().list_push(list, nullptr, to_handle(t)) != HEARTH_OK)
      throw std::runtime_error("host refused a tensor");
  }
}

/// Log a message through the host's logger (the host adds the plugin's name).
inline void log(hearth_log_level level, const std::string& message) {
  const hearth_host_api& h = detail::host();
  h.log(h.context, level, message.c_str());
}
inline void log_info(const std::string& message) { log(HEARTH_LOG_INFO, message); }
inline void log_warn(const std::string& message) { log(HEARTH_LOG_WARN, message); }

/// Thrown when a host function failed and has already recorded why: the SDK returns an error
/// status without replacing the host's message.
struct HostError : std::runtime_error {
  HostError() : std::runtime_error("the host reported an error") {}
};

/// Thrown by a module for an optional feature it does not offer; reaches the host as
/// HEARTH_UNSUPPORTED rather than as an error.
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace hearth
