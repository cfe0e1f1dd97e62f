// Softmax attention over short blocks on the CPU: each of LibTorch's threads takes a share of the
// heads and runs them through attention_kernel.hpp, forward and backward. At a small GPT's 64-token
// blocks LibTorch's own kernels spend as long on handing each head's small products to the BLAS as
// on the arithmetic: on 1.13 the batched product runs one head after another on one thread (17% of
// a training step), and 2.x's fused CPU kernel, though threaded, computes the whole square of a
// causal head. hearth::transformer uses this for float32 on the CPU, blocks of up to 256 tokens
// and no dropout on the weights, on every LibTorch; otherwise hearth::compat::attention.
#pragma once

#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/torch.h>

#include "hearth/sdk/attention_kernel.hpp"
#include "hearth/sdk/parallel.hpp"

#include <cmath>
#include <vector>

namespace hearth::transformer::detail {

/// Blocks longer than this keep LibTorch's kernels (the weights, B x heads x T x T, are kept for
/// the backward pass here).
constexpr int64_t kShortBlock = 256;

/// Whether cpu_attention() takes these queries, keys and values.
inline bool cpu_attention_fits(const torch::Tensor& q, const torch::Tensor& k, double dropout) {
  return q.device().is_cpu() && q.scalar_type() == torch::kFloat && k.scalar_type() == torch::kFloat && dropout == 0.0 &&
         q.dim() == 4 && q.size(-2) == k.size(-2) && q.size(-2) <= kShortBlock && !torch::jit::tracer::isTracing();
}

/// Where head n (of B x H) of x [B, H, T, D] starts.
inline float* head_start(const torch::Tensor& x, int64_t n) {
  const int64_t heads = x.size(1);
  return x.data_ptr<float>() + (n / heads) * x.stride(0) + (n % heads) * x.stride(1);
}

/// Head n of x [B, H, T, D] (dense in D) as the kernel's rows.
inline attention_kernel::HeadRows head_rows(const torch::Tensor& x, int64_t n) { return {head_start(x, n), x.stride(2)}; }

inline attention_kernel::HeadRowsOut head_rows_out(torch::Tensor& x, int64_t n) { return {head_start(x, n), x.stride(2)}; }

/// [B, H, T, D] laid out as [B, T, H, D]: what the block reads back after merging the heads.
inline torch::Tensor empty_heads(const torch::Tensor& like) {
  return torch::empty({like.size(0), like.size(2), like.size(1), like.size(3)}, like.options()).transpose(1, 2);
}

inline torch::Tensor dense_rows(const torch::Tensor& x) { return x.stride(3) == 1 ? x : x.contiguous(); }

/// The autograd function behind cpu_attention(): the softmax weights are kept for the backward pass.
class CpuAttention : public torch::autograd::Function<CpuAttention> {
 public:
  /// q, k, v [B, H, T, D] -> [B, H, T, D]; `causal` hides key j from query i when j > i.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& q_in, const torch::Tensor& k_in,
                               const torch::Tensor& v_in, bool causal) {
    const torch::Tensor q = dense_rows(q_in.detach()), k = dense_rows(k_in.detach()), v = dense_rows(v_in.detach());
    const int64_t n = q.size(0) * q.size(1), t = q.size(2), d = q.size(3), tp = attention_kernel::padded(t);
    const auto scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
    torch::Tensor out = empty_heads(q), weights = torch::empty({n, tp, tp}, q.options());
    hearth::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
      std::vector<float> work(attention_kernel::forward_work_size(t, d));
      for (int64_t i = begin; i < end; ++i)
        attention_kernel::forward_head({head_rows(q, i), head_rows(k, i), head_rows(v, i), head_rows_out(out, i),
                                        weights.data_ptr<float>() + i * tp * tp, t, d, causal, scale, work.data()});
    });
    ctx->save_for_backward({q, k, v, weights});
    ctx->saved_data["causal"] = causal;
    return out;
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &q = saved[0], &k = saved[1], &v = saved[2], &weights = saved[3];
    const bool causal = ctx->saved_data["causal"].toBool();
    const torch::Tensor dout = dense_rows(grads[0]);
    const int64_t n = q.size(0) * q.size(1), t = q.size(2), d = q.size(3), tp = attention_kernel::padded(t);
    const auto scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
    torch::Tensor dq = empty_heads(q), dk = empty_heads(q), dv = empty_heads(q);
    hearth::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
      std::vector<float> work(attention_kernel::backward_work_size(t, d));
      for (int64_t i = begin; i < end; ++i)
        attention_kernel::backward_head({head_rows(q, i), head_rows(k, i), head_rows(v, i), head_rows(dout, i),
                                         weights.data_ptr<float>() + i * tp * tp, head_rows_out(dq, i), head_rows_out(dk, i),
                                         head_rows_out(dv, i), t, d, causal, scale, work.data()});
    });
    return {dq, dk, dv, torch::Tensor()};
  }
};

/// Softmax attention of q, k, v [B, H, T, D] (cpu_attention_fits), scaled by 1/sqrt(D).
inline torch::Tensor cpu_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, bool causal) {
  return CpuAttention::apply(q, k, v, causal);
}

}  // namespace hearth::transformer::detail
