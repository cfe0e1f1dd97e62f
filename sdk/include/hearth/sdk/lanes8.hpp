// Eight floats at a time, for Hearth's few CPU kernels (attention_kernel.hpp, gelu_kernel.hpp):
// GCC's and Clang's vector extension rather than intrinsics, so that one source compiles for any
// instruction set, and a kernel's loops are written in vectors because neither compiler
// vectorizes all of them by itself (GCC kept a tile's accumulators in memory). A kernel is an
// always-inline body compiled twice, into a function with HEARTH_TARGET_AVX2 and into a plain
// one, and has_avx2() picks between them at run time: one binary runs on any x86-64 CPU at the
// speed of the one it is on. Torch-free.
#pragma once

#include <cstdint>
#include <cstring>

/// Whether this build has an AVX2 with FMA version of each kernel (x86-64 with GCC or Clang).
#if defined(__x86_64__) && defined(__GNUC__)
#define HEARTH_LANES8_AVX2 1
#define HEARTH_TARGET_AVX2 __attribute__((target("avx2,fma")))
#else
#define HEARTH_LANES8_AVX2 0
#endif

/// A kernel's pieces are inlined into each build of it.
#define HEARTH_KERNEL_INLINE inline __attribute__((always_inline))

// Kernel code between these: its eight-float vectors never cross a call that is not inlined, so
// the ABI that GCC and Clang warn about (a vector passed without AVX enabled) is never used. GCC
// gives that warning at the end of the translation unit, so there it stays off to the end.
#if defined(__clang__)
#define HEARTH_LANES8_BEGIN _Pragma("clang diagnostic push") _Pragma("clang diagnostic ignored \"-Wpsabi\"")
#define HEARTH_LANES8_END _Pragma("clang diagnostic pop")
#elif defined(__GNUC__)
#define HEARTH_LANES8_BEGIN _Pragma("GCC diagnostic ignored \"-Wpsabi\"")
#define HEARTH_LANES8_END
#else
#define HEARTH_LANES8_BEGIN
#define HEARTH_LANES8_END
#endif

HEARTH_LANES8_BEGIN

namespace hearth::lanes8 {

/// Eight floats as one vector (GCC's and Clang's vector extension): a register under AVX2, two
/// under SSE.
typedef float Lanes8 __attribute__((vector_size(32)));
typedef int32_t Ints8 __attribute__((vector_size(32)));
typedef uint32_t Bits8 __attribute__((vector_size(32)));

HEARTH_KERNEL_INLINE Lanes8 load8(const float* p) {
  Lanes8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

HEARTH_KERNEL_INLINE void store8(float* p, const Lanes8& v) { std::memcpy(p, &v, sizeof v); }

HEARTH_KERNEL_INLINE Lanes8 broadcast(float x) { return Lanes8{} + x; }

/// Lane by lane, `yes` where the mask (all ones or zero, as comparisons give) is set, else `no`.
HEARTH_KERNEL_INLINE Lanes8 select(const Ints8& mask, const Lanes8& yes, const Lanes8& no) {
  return reinterpret_cast<Lanes8>((reinterpret_cast<Ints8>(yes) & mask) | (reinterpret_cast<Ints8>(no) & ~mask));
}

/// The lanes of the chunk starting at `first` that lie before `n`.
HEARTH_KERNEL_INLINE Ints8 lanes_before(int64_t first, int64_t n) {
  const Ints8 lane = {0, 1, 2, 3, 4, 5, 6, 7};
  return (lane + static_cast<int32_t>(first)) < static_cast<int32_t>(n);
}

HEARTH_KERNEL_INLINE float lanes_sum(const Lanes8& v) {
  float sum = 0;
  for (int l = 0; l < 8; ++l) sum += v[l];
  return sum;
}

/// e^x lane by lane to about one unit in the last place: Cody and Waite's reduction to r in
/// [-ln 2 / 2, ln 2 / 2], Cephes' polynomial for e^r, and 2^n made from its bits. NaN stays NaN;
/// below -87 it gives e^-87 rather than a subnormal.
HEARTH_KERNEL_INLINE Lanes8 exp8(const Lanes8& in) {
  Lanes8 x = select(in < -87.0F, broadcast(-87.0F), in);
  x = select(x > 88.0F, broadcast(88.0F), x);
  constexpr float kRound = 12582912.0F;  // 1.5 * 2^23: adding it rounds to an integer in the low bits
  const Lanes8 shifted = x * 1.44269504088896341F + kRound;
  const Lanes8 n = shifted - kRound;
  const Lanes8 r = (x - n * 0.693359375F) - n * -2.12194440e-4F;
  Lanes8 p = broadcast(1.9875691500e-4F);
  p = p * r + 1.3981999507e-3F;
  p = p * r + 8.3334519073e-3F;
  p = p * r + 4.1665795894e-2F;
  p = p * r + 1.6666665459e-1F;
  p = p * r + 5.0000001201e-1F;
  p = p * r * r + r + 1.0F;
  const Bits8 exponent = (reinterpret_cast<Bits8>(shifted) - 0x4B400000U + 127U) << 23;
  return p * reinterpret_cast<Lanes8>(exponent);
}

#if HEARTH_LANES8_AVX2
/// Whether this CPU runs the AVX2 with FMA build of a kernel.
inline bool has_avx2() {
  static const bool yes = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return yes;
}
#endif

}  // namespace hearth::lanes8

HEARTH_LANES8_END
