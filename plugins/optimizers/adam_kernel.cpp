#include "adam_kernel.hpp"

namespace hearth_builtin::detail {
namespace {

/// One element range of the update, inlined into each clone below.
template <bool kDecay, bool kAmsgrad, bool kDecoupled>
inline __attribute__((always_inline)) void adam_loop(float* __restrict p, const float* __restrict g, float* __restrict m,
                                                     float* __restrict v, float* __restrict vmax, int64_t n, AdamScalars s) {
  for (int64_t i = 0; i < n; ++i) {
    if (kDecay && kDecoupled) p[i] = p[i] * s.decay_factor;
    float grad = kDecay && !kDecoupled ? g[i] + p[i] * s.weight_decay : g[i];
    // As torch::optim::Adam: exp_avg.mul_(b1).add_(grad, 1 - b1); exp_avg_sq.mul_(b2).addcmul_(grad, grad, 1 - b2)
    float mi = m[i] * s.beta1 + grad * s.one_minus_beta1;
    float vi = v[i] * s.beta2 + grad * grad * s.one_minus_beta2;
    m[i] = mi;
    v[i] = vi;
    if (kAmsgrad) {
      vi = vmax[i] > vi ? vmax[i] : vi;
      vmax[i] = vi;
    }
    // denom = (v.sqrt() / sqrt(bc2)).add_(eps); p.addcdiv_(m, denom, -step_size)
    float denom = __builtin_sqrtf(vi) / s.sqrt_bias_correction2 + s.eps;
    p[i] = p[i] + -s.step_size * (mi / denom);
  }
}

// One function per variant, each cloned so that the loader picks AVX2 where the CPU has it (Clang
// clones no function template, hence a function per variant).
#define HEARTH_ADAM_RANGE(name, decay, amsgrad, decoupled)                                                              \
  __attribute__((target_clones("avx2", "default"))) void name(float* p, const float* g, float* m, float* v, float* vmax, \
                                                              int64_t n, const AdamScalars& s) {                         \
    adam_loop<decay, amsgrad, decoupled>(p, g, m, v, vmax, n, s);                                                         \
  }
HEARTH_ADAM_RANGE(adam_plain, false, false, false)
HEARTH_ADAM_RANGE(adam_decay, true, false, false)
HEARTH_ADAM_RANGE(adam_amsgrad, false, true, false)
HEARTH_ADAM_RANGE(adam_decay_amsgrad, true, true, false)
HEARTH_ADAM_RANGE(adamw_plain, false, false, true)
HEARTH_ADAM_RANGE(adamw_decay, true, false, true)
HEARTH_ADAM_RANGE(adamw_amsgrad, false, true, true)
HEARTH_ADAM_RANGE(adamw_decay_amsgrad, true, true, true)
#undef HEARTH_ADAM_RANGE

}  // namespace

void adam_update(float* p, const float* g, float* m, float* v, float* vmax, int64_t n, const AdamScalars& s, AdamVariant variant) {
  using Range = void (*)(float*, const float*, float*, float*, float*, int64_t, const AdamScalars&);
  static const Range ranges[2][2][2] = {{{adam_plain, adam_amsgrad}, {adam_decay, adam_decay_amsgrad}},
                                        {{adamw_plain, adamw_amsgrad}, {adamw_decay, adamw_decay_amsgrad}}};
  ranges[variant.decoupled][variant.decay][variant.amsgrad](p, g, m, v, vmax, n, s);
}

}  // namespace hearth_builtin::detail
