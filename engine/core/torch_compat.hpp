// Where LibTorch 1.13 (Debian 12) and 2.x (Debian 13's 2.6, official and CUDA builds such as
// 2.11) differ for the engine. Each difference is named here once, with both versions; nothing
// else in the engine tests the LibTorch version. Plugins have their own: hearth/sdk/torch_compat.hpp.
#pragma once

#include <ATen/autocast_mode.h>
#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>
#include <torch/version.h>

#include <type_traits>

namespace hearth::compat {

/// Turns autocast on (in `dtype`) or off for one device type. LibTorch 1.13 has a function pair
/// per device (`set_enabled` + `set_autocast_gpu_dtype` for CUDA, `set_cpu_enabled` +
/// `set_autocast_cpu_dtype` for CPU); 2.4 and later take the device type as an argument and
/// deprecate the old names.
inline void set_autocast(c10::DeviceType device, bool enabled, c10::ScalarType dtype) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_enabled(device, enabled);
  if (enabled) at::autocast::set_autocast_dtype(device, dtype);
#else
  if (device == c10::DeviceType::CUDA) {
    at::autocast::set_enabled(enabled);
    if (enabled) at::autocast::set_autocast_gpu_dtype(dtype);
  } else {
    at::autocast::set_cpu_enabled(enabled);
    if (enabled) at::autocast::set_autocast_cpu_dtype(dtype);
  }
#endif
}

/// Whether TCPStore's options have `useLibUV` (2.4 and later, where it defaults to true).
template <typename Options, typename = void>
struct has_use_libuv : std::false_type {};
template <typename Options>
struct has_use_libuv<Options, std::void_t<decltype(std::declval<Options&>().useLibUV)>> : std::true_type {};

/// TCPStore's classic socket server. From 2.4 TCPStore serves through libuv by default, and
/// Debian 13's LibTorch 2.6 is built without it ("use_libuv was requested but PyTorch was build
/// without libuv support"); 1.13 has only the classic server. Templated so that this header needs
/// no c10d include (those need USE_C10D_GLOO).
template <typename TCPStoreOptions>
void use_classic_tcpstore(TCPStoreOptions& options) {
  if constexpr (has_use_libuv<TCPStoreOptions>::value) options.useLibUV = false;
}

}  // namespace hearth::compat
