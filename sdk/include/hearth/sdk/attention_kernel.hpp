// Softmax attention of one head over a short block, forward and backward, in plain loops.
// At a small GPT's sizes (64 tokens, heads 32 wide) a head's products are 64 x 64 x 32: LibTorch
// hands each to the BLAS (its fused CPU kernel on 2.x too), which clears, packs and dispatches a
// matrix that small for about as long as it multiplies it, and computes the whole square where a
// causal head needs only the lower triangle. Here the products read a head's rows where they lie
// (copying only the transposed operand, and heads whose sizes need padding to whole tiles), run
// as 4 x 16 register tiles that skip the hidden triangle, and the softmax's exponential is a
// vectorized polynomial.
// Everything is torch-free so that it reads as the arithmetic it is; cpu_attention.hpp wraps it
// in an autograd function. Compiled twice, for AVX2 with FMA and for the baseline instruction set,
// and picked at run time (lanes8.hpp): one binary runs on any CPU.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "hearth/sdk/lanes8.hpp"

HEARTH_LANES8_BEGIN

namespace hearth::transformer::detail::attention_kernel {

using namespace hearth::lanes8;

constexpr int64_t kTileRows = 4;
constexpr int64_t kTileCols = 16;

/// n rounded up to whole tiles: a head's buffers are padded with zeros to this size.
inline int64_t padded(int64_t n) { return (n + kTileCols - 1) / kTileCols * kTileCols; }

/// One head's rows of floats, `stride` floats apart, each row dense.
struct HeadRows {
  const float* data;
  int64_t stride;
};

/// Writable rows of one head, laid out as HeadRows.
struct HeadRowsOut {
  float* data;
  int64_t stride;
};

/// What one head's forward pass reads and writes. `weights` is the head's padded square of
/// softmax weights (padded(t) x padded(t), dense), kept for the backward pass.
struct ForwardArgs {
  HeadRows q, k, v;
  HeadRowsOut out;
  float* weights;
  int64_t t, d;
  bool causal;
  float scale;
  float* work;  ///< forward_work_size(t, d) floats
};

/// What one head's backward pass reads and writes, given the forward's weights.
struct BackwardArgs {
  HeadRows q, k, v, dout;
  const float* weights;
  HeadRowsOut dq, dk, dv;
  int64_t t, d;
  bool causal;
  float scale;
  float* work;  ///< backward_work_size(t, d) floats
};

inline int64_t forward_work_size(int64_t t, int64_t d) { return 4 * padded(t) * padded(d); }
inline int64_t backward_work_size(int64_t t, int64_t d) { return 7 * padded(t) * padded(d) + padded(t) * padded(t); }

/// A matrix operand: element (row, k) at data[row * row_stride + k * depth_stride].
struct Operand {
  const float* data;
  int64_t row_stride, depth_stride;
};

/// Which entries of C = A B a product needs, for the triangles of causal attention.
enum class Triangle {
  kFull,         ///< all of C
  kOutputLower,  ///< only C's lower triangle (tiles wholly above the diagonal are left unwritten)
  kALower,       ///< A is zero above its diagonal: row i sums k <= i only
  kAUpper,       ///< A is zero below its diagonal: row i sums k >= i only
};

/// C[4 x 16] = A[4 x k0..k1] B[k0..k1 x 16]. The eight accumulators are named one by one: as an
/// array GCC keeps them in memory.
HEARTH_KERNEL_INLINE void tile(Operand a, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t k0, int64_t k1) {
  static_assert(kTileRows == 4 && kTileCols == 16, "the tile is written out for 4 x 16");
  Lanes8 c00{}, c01{}, c10{}, c11{}, c20{}, c21{}, c30{}, c31{};
  const float *a0 = a.data, *a1 = a0 + a.row_stride, *a2 = a1 + a.row_stride, *a3 = a2 + a.row_stride;
  for (int64_t k = k0; k < k1; ++k) {
    const Lanes8 b0 = load8(b + k * ldb), b1 = load8(b + k * ldb + 8);
    const int64_t at = k * a.depth_stride;
    c00 += a0[at] * b0;
    c01 += a0[at] * b1;
    c10 += a1[at] * b0;
    c11 += a1[at] * b1;
    c20 += a2[at] * b0;
    c21 += a2[at] * b1;
    c30 += a3[at] * b0;
    c31 += a3[at] * b1;
  }
  store8(c, c00);
  store8(c + 8, c01);
  store8(c + ldc, c10);
  store8(c + ldc + 8, c11);
  store8(c + 2 * ldc, c20);
  store8(c + 2 * ldc + 8, c21);
  store8(c + 3 * ldc, c30);
  store8(c + 3 * ldc + 8, c31);
}

/// C [rows x cols] = A [rows x depth] B [depth x cols], rows and cols in whole tiles.
HEARTH_KERNEL_INLINE void product(Operand a, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t rows, int64_t cols,
                                  int64_t depth, Triangle triangle) {
  for (int64_t i = 0; i < rows; i += kTileRows) {
    const int64_t k0 = triangle == Triangle::kAUpper ? i : 0;
    const int64_t k1 = triangle == Triangle::kALower ? std::min(depth, i + kTileRows) : depth;
    const Operand rows_i{a.data + i * a.row_stride, a.row_stride, a.depth_stride};
    for (int64_t j = 0; j < cols; j += kTileCols) {
      if (triangle == Triangle::kOutputLower && j >= i + kTileRows) break;
      tile(rows_i, b + j, ldb, c + i * ldc + j, ldc, k0, k1);
    }
  }
}

/// Row i of the scores, n of them visible, np padded -> softmax weights of `scale` x scores,
/// zero past n. What lies past n may be anything (unwritten tiles): it is never read as a number.
HEARTH_KERNEL_INLINE void softmax_row(float* s, int64_t n, int64_t np, float scale) {
  const int64_t chunks = (n + 7) / 8;
  const Lanes8 hidden = broadcast(-std::numeric_limits<float>::infinity());
  Lanes8 tops = hidden;
  for (int64_t c = 0; c < chunks; ++c) {
    const Lanes8 v = select(lanes_before(8 * c, n), load8(s + 8 * c), hidden);
    tops = select(v > tops, v, tops);
  }
  float top = tops[0];
  for (int l = 1; l < 8; ++l) top = tops[l] > top ? tops[l] : top;
  Lanes8 sums{};
  for (int64_t c = 0; c < chunks; ++c) {
    const Lanes8 e = select(lanes_before(8 * c, n), exp8(scale * (load8(s + 8 * c) - top)), Lanes8{});
    store8(s + 8 * c, e);
    sums += e;
  }
  const float inverse = n == 0 ? 0.0F : 1.0F / lanes_sum(sums);
  for (int64_t c = 0; c < chunks; ++c) store8(s + 8 * c, load8(s + 8 * c) * inverse);
  std::fill(s + 8 * chunks, s + np, 0.0F);
}

/// Softmax's backward for row i: d(scores) = scale w (d(w) - sum_j w_j d(w)_j) over the n visible
/// entries, zero past them.
HEARTH_KERNEL_INLINE void softmax_backward_row(const float* w, float* dw, int64_t n, int64_t np, float scale) {
  const int64_t chunks = (n + 7) / 8;
  Lanes8 dots{};
  for (int64_t c = 0; c < chunks; ++c)
    dots += select(lanes_before(8 * c, n), load8(w + 8 * c) * load8(dw + 8 * c), Lanes8{});
  const float dot = lanes_sum(dots);
  for (int64_t c = 0; c < chunks; ++c) {
    const Lanes8 d = scale * load8(w + 8 * c) * (load8(dw + 8 * c) - dot);
    store8(dw + 8 * c, select(lanes_before(8 * c, n), d, Lanes8{}));
  }
  std::fill(dw + 8 * chunks, dw + np, 0.0F);
}

/// Whether a head of t x d fills whole tiles: its rows are then read and written where they lie.
HEARTH_KERNEL_INLINE bool whole_tiles(int64_t t, int64_t d) { return t == padded(t) && d == padded(d); }

/// A head's t x d rows as a dense [tp x dp] operand: the rows themselves in whole tiles, else a
/// copy with zeros around in `buffer`. Sets `ld` to the operand's row stride.
HEARTH_KERNEL_INLINE const float* rows_operand(HeadRows src, int64_t t, int64_t d, float* buffer, int64_t& ld) {
  if (whole_tiles(t, d)) {
    ld = src.stride;
    return src.data;
  }
  const int64_t tp = padded(t), dp = padded(d);
  std::fill(buffer, buffer + tp * dp, 0.0F);
  for (int64_t i = 0; i < t; ++i) std::copy(src.data + i * src.stride, src.data + i * src.stride + d, buffer + i * dp);
  ld = dp;
  return buffer;
}

/// A head's t x d rows, transposed, into a dense padded [dp x tp] buffer.
HEARTH_KERNEL_INLINE void load_transposed(HeadRows src, int64_t t, int64_t d, float* dst) {
  const int64_t tp = padded(t);
  if (!whole_tiles(t, d)) std::fill(dst, dst + tp * padded(d), 0.0F);
  for (int64_t i = 0; i < t; ++i)
    for (int64_t c = 0; c < d; ++c) dst[c * tp + i] = src.data[i * src.stride + c];
}

/// Where a [tp x dp] result goes: straight into the head's rows in whole tiles, else `buffer`.
HEARTH_KERNEL_INLINE float* rows_result(HeadRowsOut dst, int64_t t, int64_t d, float* buffer, int64_t& ld) {
  const bool direct = whole_tiles(t, d);
  ld = direct ? dst.stride : padded(d);
  return direct ? dst.data : buffer;
}

/// A result made in a buffer (rows_result) copied into the head's rows.
HEARTH_KERNEL_INLINE void finish_rows(const float* result, int64_t ld, HeadRowsOut dst, int64_t t, int64_t d) {
  if (whole_tiles(t, d)) return;
  for (int64_t i = 0; i < t; ++i) std::copy(result + i * ld, result + i * ld + d, dst.data + i * dst.stride);
}

/// How many of row i's scores a query sees.
HEARTH_KERNEL_INLINE int64_t visible(int64_t i, int64_t t, bool causal) { return i >= t ? 0 : causal ? i + 1 : t; }

/// out = softmax(scale q k^T, causal) v for one head; the weights are kept.
HEARTH_KERNEL_INLINE void forward_body(const ForwardArgs& a) {
  const int64_t tp = padded(a.t), dp = padded(a.d);
  float *kt = a.work, *q_buffer = kt + tp * dp, *v_buffer = q_buffer + tp * dp, *out_buffer = v_buffer + tp * dp;
  int64_t ldq = 0, ldv = 0, ldo = 0;
  const float* q = rows_operand(a.q, a.t, a.d, q_buffer, ldq);
  const float* v = rows_operand(a.v, a.t, a.d, v_buffer, ldv);
  float* out = rows_result(a.out, a.t, a.d, out_buffer, ldo);
  load_transposed(a.k, a.t, a.d, kt);
  float* w = a.weights;
  product({q, ldq, 1}, kt, tp, w, tp, tp, tp, dp, a.causal ? Triangle::kOutputLower : Triangle::kFull);
  for (int64_t i = 0; i < tp; ++i) softmax_row(w + i * tp, visible(i, a.t, a.causal), tp, a.scale);
  product({w, tp, 1}, v, ldv, out, ldo, tp, dp, tp, a.causal ? Triangle::kALower : Triangle::kFull);
  finish_rows(out, ldo, a.out, a.t, a.d);
}

/// The gradients of q, k and v for one head from the gradient of its output.
HEARTH_KERNEL_INLINE void backward_body(const BackwardArgs& a) {
  const int64_t tp = padded(a.t), dp = padded(a.d), rows = tp * dp;
  float *vt = a.work, *ds = vt + rows, *buffer = ds + tp * tp;
  int64_t ldq = 0, ldk = 0, ldo = 0, ldq_out = 0, ldk_out = 0, ldv_out = 0;
  const float* q = rows_operand(a.q, a.t, a.d, buffer, ldq);
  const float* k = rows_operand(a.k, a.t, a.d, buffer + rows, ldk);
  const float* dout = rows_operand(a.dout, a.t, a.d, buffer + 2 * rows, ldo);
  float* dq = rows_result(a.dq, a.t, a.d, buffer + 3 * rows, ldq_out);
  float* dk = rows_result(a.dk, a.t, a.d, buffer + 4 * rows, ldk_out);
  float* dv = rows_result(a.dv, a.t, a.d, buffer + 5 * rows, ldv_out);
  load_transposed(a.v, a.t, a.d, vt);
  // d(v) = w^T d(out): w read down its columns, no transposed copy.
  product({a.weights, 1, tp}, dout, ldo, dv, ldv_out, tp, dp, tp, a.causal ? Triangle::kAUpper : Triangle::kFull);
  product({dout, ldo, 1}, vt, tp, ds, tp, tp, tp, dp, a.causal ? Triangle::kOutputLower : Triangle::kFull);
  for (int64_t i = 0; i < tp; ++i) softmax_backward_row(a.weights + i * tp, ds + i * tp, visible(i, a.t, a.causal), tp, a.scale);
  product({ds, tp, 1}, k, ldk, dq, ldq_out, tp, dp, tp, a.causal ? Triangle::kALower : Triangle::kFull);
  product({ds, 1, tp}, q, ldq, dk, ldk_out, tp, dp, tp, a.causal ? Triangle::kAUpper : Triangle::kFull);
  finish_rows(dq, ldq_out, a.dq, a.t, a.d);
  finish_rows(dk, ldk_out, a.dk, a.t, a.d);
  finish_rows(dv, ldv_out, a.dv, a.t, a.d);
}

inline void forward_baseline(const ForwardArgs& a) { forward_body(a); }
inline void backward_baseline(const BackwardArgs& a) { backward_body(a); }

#if HEARTH_LANES8_AVX2
HEARTH_TARGET_AVX2 inline void forward_avx2(const ForwardArgs& a) { forward_body(a); }
HEARTH_TARGET_AVX2 inline void backward_avx2(const BackwardArgs& a) { backward_body(a); }
#endif

/// One head's forward pass, on the widest vectors this CPU has.
inline void forward_head(const ForwardArgs& a) {
#if HEARTH_LANES8_AVX2
  if (lanes8::has_avx2()) return forward_avx2(a);
#endif
  forward_baseline(a);
}

/// One head's backward pass, on the widest vectors this CPU has.
inline void backward_head(const BackwardArgs& a) {
#if HEARTH_LANES8_AVX2
  if (lanes8::has_avx2()) return backward_avx2(a);
#endif
  backward_baseline(a);
}

}  // namespace hearth::transformer::detail::attention_kernel

HEARTH_LANES8_END
