// The fused Adam/AdamW update of one float32 range, torch-free: compiled once, in its own
// translation unit with -fno-math-errno (so its loop vectorises), and linked into the adam and
// adamw plugins, which themselves then build with the shared precompiled LibTorch header.
#pragma once

#include <cstdint>

namespace hearth_builtin::detail {

/// The step's constants, in float as the loop uses them.
struct AdamScalars {
  float beta1, beta2, one_minus_beta1, one_minus_beta2, eps, weight_decay, step_size, sqrt_bias_correction2;
  float decay_factor;  ///< AdamW: 1 - lr * weight_decay, applied to the parameter before the update
};

/// Which update: `decay` with a nonzero weight decay, `amsgrad` keeping the maximum second
/// moment in `vmax`, `decoupled` AdamW's decay (the parameter shrinks first, as
/// torch::optim::AdamW's p.mul_(1 - lr * weight_decay)) instead of Adam's L2 term.
struct AdamVariant {
  bool decay, amsgrad, decoupled;
};

/// Updates parameters p[0..n) with gradients g, first moments m, second moments v (and vmax with
/// amsgrad, else null) in one pass, in torch::optim::Adam's order of operations.
void adam_update(float* p, const float* g, float* m, float* v, float* vmax, int64_t n, const AdamScalars& s, AdamVariant variant);

}  // namespace hearth_builtin::detail
