// Where LibTorch 1.13 (Debian 12) and 2.x (Debian 13's 2.6, official and CUDA builds such as
// 2.11) differ for the engine. Each difference is named here once, with both versions; nothing
// else in the engine tests the LibTorch version. Plugins have their own: hearth/sdk/torch_compat.hpp.
#pragma once

#include <ATen/autocast_mode.h>
#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>
#include <torch/version.h>

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

}  // namespace hearth::compat
