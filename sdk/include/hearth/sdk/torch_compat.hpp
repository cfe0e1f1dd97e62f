// Where LibTorch 1.13 (Debian 12) and 2.x (Debian 13's 2.6, official and CUDA builds) differ for
// plugins. Each difference is named here once, with both versions; nothing else in the SDK or the
// built-in plugins tests the LibTorch version.
#pragma once

#include <ATen/Tensor.h>

#include <sstream>
#include <string>
#include <type_traits>

namespace hearth::compat {

/// The key under which torch::optim::Optimizer keeps a parameter's state. LibTorch 1.13 keys
/// `state_` by the text of the parameter's TensorImpl address (`c10::guts::to_string(impl)`, an
/// ostream of the pointer); 2.x keys it by the `TensorImpl*` itself (a `void*`). An optimizer
/// derived from torch::optim::Optimizer passes `typename decltype(state_)::key_type`, so the same
/// source keeps state where torch::optim's own optimizers look for it on both versions.
template <class Key>
Key optimizer_state_key(const at::Tensor& parameter) {
  void* impl = parameter.unsafeGetTensorImpl();
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream text;
    text << impl;
    return text.str();
  } else {
    return impl;
  }
}

}  // namespace hearth::compat
