// The exact GELU, x Phi(x), forward and backward over a run of floats. LibTorch's backward
// computes erf (for Phi) and, apart, an exponential (for phi); here one exponential serves both,
// and it is a short polynomial (lanes8.hpp). Torch-free; cpu_gelu.hpp wraps it in an autograd
// function.
// Compiled for AVX2 with FMA and for the baseline instruction set, picked at run time (lanes8.hpp).
#pragma once

#include <algorithm>
#include <cstdint>

#include "hearth/sdk/lanes8.hpp"

HEARTH_LANES8_BEGIN

namespace hearth::transformer::detail::gelu_kernel {

using namespace hearth::lanes8;

HEARTH_KERNEL_INLINE Lanes8 abs8(const Lanes8& x) { return reinterpret_cast<Lanes8>(reinterpret_cast<Ints8>(x) & 0x7FFFFFFF); }

/// Phi(x) and phi(x), the standard normal distribution and density functions, from one
/// exponential: e^(-x^2 / 2) is phi's, and also the one in Abramowitz and Stegun's 7.1.26 for
/// 0.5 erfc(|x| / sqrt 2) = Phi(-|x|) (absolute error under 1.5e-7 in erf, the formula of
/// LibTorch's own vectorized erf), taken on |x| so that the lower tail has no cancellation.
HEARTH_KERNEL_INLINE void normal(const Lanes8& x, Lanes8& cdf, Lanes8& density) {
  const Lanes8 a = abs8(x) * 0.70710678118654752F;
  const Lanes8 t = 1.0F / (1.0F + 0.3275911F * a);
  Lanes8 p = 1.061405429F * t - 1.453152027F;
  p = p * t + 1.421413741F;
  p = p * t - 0.284496736F;
  p = p * t + 0.254829592F;
  const Lanes8 e = exp8(-(a * a));
  const Lanes8 tail = 0.5F * (p * t) * e;
  cdf = select(x < 0.0F, tail, 1.0F - tail);
  density = 0.39894228040143268F * e;
}

/// Eight of y = x Phi(x).
HEARTH_KERNEL_INLINE void forward8(const float* x, float* y) {
  const Lanes8 v = load8(x);
  Lanes8 cdf, density;
  normal(v, cdf, density);
  store8(y, v * cdf);
}

/// Eight of dx = dy (Phi(x) + x phi(x)).
HEARTH_KERNEL_INLINE void backward8(const float* dy, const float* x, float* dx) {
  const Lanes8 v = load8(x);
  Lanes8 cdf, density;
  normal(v, cdf, density);
  store8(dx, load8(dy) * (cdf + v * density));
}

/// GELU over n floats: whole vectors, then the last few through a zero-padded vector.
HEARTH_KERNEL_INLINE void forward_body(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) forward8(x + i, y + i);
  if (i == n) return;
  float tail_x[8] = {}, tail_y[8];
  std::copy(x + i, x + n, tail_x);
  forward8(tail_x, tail_y);
  std::copy(tail_y, tail_y + (n - i), y + i);
}

HEARTH_KERNEL_INLINE void backward_body(const float* dy, const float* x, float* dx, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) backward8(dy + i, x + i, dx + i);
  if (i == n) return;
  float tail_dy[8] = {}, tail_x[8] = {}, tail_dx[8];
  std::copy(dy + i, dy + n, tail_dy);
  std::copy(x + i, x + n, tail_x);
  backward8(tail_dy, tail_x, tail_dx);
  std::copy(tail_dx, tail_dx + (n - i), dx + i);
}

inline void forward_baseline(const float* x, float* y, int64_t n) { forward_body(x, y, n); }
inline void backward_baseline(const float* dy, const float* x, float* dx, int64_t n) {
  backward_body(dy, x, dx, n);
}

#if HEARTH_LANES8_AVX2
HEARTH_TARGET_AVX2 inline void forward_avx2(const float* x, float* y, int64_t n) { forward_body(x, y, n); }
HEARTH_TARGET_AVX2 inline void backward_avx2(const float* dy, const float* x, float* dx, int64_t n) {
  backward_body(dy, x, dx, n);
}
#endif

/// GELU of n floats, on the widest vectors this CPU has.
inline void forward(const float* x, float* y, int64_t n) {
#if HEARTH_LANES8_AVX2
  if (has_avx2()) return forward_avx2(x, y, n);
#endif
  forward_baseline(x, y, n);
}

/// GELU's backward over n floats, on the widest vectors this CPU has.
inline void backward(const float* dy, const float* x, float* dx, int64_t n) {
#if HEARTH_LANES8_AVX2
  if (has_avx2()) return backward_avx2(dy, x, dx, n);
#endif
  backward_baseline(dy, x, dx, n);
}

}  // namespace hearth::transformer::detail::gelu_kernel

HEARTH_LANES8_END
