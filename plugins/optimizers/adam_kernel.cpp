#include "adam_kernel.hpp"

namespace hearth_builtin::detail {
namespace {

/// One element range of the update; the clones let the loader pick AVX2 where the CPU has it.
template <bool kDecay, bool kAmsgrad, bool kDecoupled>
__attribute__((target_clones("avx2", "default"))) void adam_range(float* __restrict p, const float* __restrict g,
                                                                  float* __restrict m, float* __restrict v,
                                                                  float* __restrict vmax, int64_t n, AdamScalars s) {
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

template <bool kDecoupled>
void adam_update_of(float* p, const float* g, float* m, float* v, float* vmax, int64_t n, const AdamScalars& s, AdamVariant variant) {
  if (variant.decay && variant.amsgrad) adam_range<true, true, kDecoupled>(p, g, m, v, vmax, n, s);
  else if (variant.decay) adam_range<true, false, kDecoupled>(p, g, m, v, vmax, n, s);
  else if (variant.amsgrad) adam_range<false, true, kDecoupled>(p, g, m, v, vmax, n, s);
  else adam_range<false, false, kDecoupled>(p, g, m, v, vmax, n, s);
}

}  // namespace

void adam_update(float* p, const float* g, float* m, float* v, float* vmax, int64_t n, const AdamScalars& s, AdamVariant variant) {
  if (variant.decoupled) adam_update_of<true>(p, g, m, v, vmax, n, s, variant);
  else adam_update_of<false>(p, g, m, v, vmax, n, s, variant);
}

}  // namespace hearth_builtin::detail
