// Softmax attention over short blocks on the CPU, its heads split over LibTorch's threads.
// LibTorch 1.13 has no fused attention kernel, and its batched matrix product on the CPU runs one
// head's small product after another on one thread (the BLAS keeps a 64 x 32 matrix to a single
// thread), so attention written out with it leaves the other cores waiting: at the 64-token blocks
// of a small GPT it was 17% of a training step. Here each thread takes a share of the heads and
// runs all their products, forward and backward (written out the same way). hearth::transformer
// uses it on LibTorch 1.13 for float32 on the CPU, blocks of up to 256 tokens and no dropout on
// the weights; LibTorch 2.x has a fused CPU kernel (hearth::compat::attention).
#pragma once

#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/torch.h>

#include "hearth/sdk/parallel.hpp"

#include <cmath>
#include <limits>

namespace hearth::transformer::detail {

/// Blocks longer than this keep LibTorch's kernels (the weights, B x heads x T x T, are kept for
/// the backward pass here).
constexpr int64_t kShortBlock = 256;

/// Whether cpu_attention() takes these queries, keys and values.
inline bool cpu_attention_fits(const torch::Tensor& q, const torch::Tensor& k, double dropout) {
  return q.device().is_cpu() && q.scalar_type() == torch::kFloat && k.scalar_type() == torch::kFloat && dropout == 0.0 &&
         q.dim() == 4 && q.size(-2) == k.size(-2) && q.size(-2) <= kShortBlock && !torch::jit::tracer::isTracing();
}

/// The autograd function behind cpu_attention(): the softmax weights are kept for the backward pass.
class CpuAttention : public torch::autograd::Function<CpuAttention> {
 public:
  /// q, k, v [B, H, T, D] -> [B, H, T, D]; `causal` hides key j from query i when j > i.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, bool causal) {
    const int64_t b = q.size(0), h = q.size(1), t = q.size(2), d = q.size(3);
    const torch::Tensor q3 = q.detach().reshape({b * h, t, d}).contiguous(), k3 = k.detach().reshape({b * h, t, d}).contiguous(),
                        v3 = v.detach().reshape({b * h, t, d}).contiguous();
    const double scale = 1.0 / std::sqrt(static_cast<double>(d));
    torch::Tensor weights = torch::empty({b * h, t, t}, q3.options()), out = torch::empty({b * h, t, d}, q3.options());
    // The mask as -inf added by the product itself (baddbmm's beta term): no pass of its own.
    const torch::Tensor bias = causal ? torch::zeros({t, t}, q3.options())
                                            .masked_fill_(torch::ones({t, t}, q3.options().dtype(torch::kBool)).triu(1),
                                                          -std::numeric_limits<double>::infinity())
                                      : torch::Tensor();
    hearth::parallel_for(0, b * h, 1, [&](int64_t begin, int64_t end) {
      torch::NoGradGuard no_grad;  // each thread has grad mode of its own
      torch::Tensor w = weights.slice(0, begin, end), o = out.slice(0, begin, end);
      const torch::Tensor kt = k3.slice(0, begin, end).transpose(1, 2);
      if (causal) at::baddbmm_out(w, bias, q3.slice(0, begin, end), kt, 1.0, scale);
      else at::bmm_out(w, q3.slice(0, begin, end), kt).mul_(scale);
      at::_softmax_out(w, w, -1, false);
      at::bmm_out(o, w, v3.slice(0, begin, end));
    });
    ctx->save_for_backward({q3, k3, v3, weights});
    return out.view({b, h, t, d});
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &q3 = saved[0], &k3 = saved[1], &v3 = saved[2], &weights = saved[3];
    const int64_t n = q3.size(0), t = q3.size(1), d = q3.size(2);
    const double scale = 1.0 / std::sqrt(static_cast<double>(d));
    const torch::Tensor dout = grads[0].reshape({n, t, d}).contiguous();
    torch::Tensor dq = torch::empty_like(q3), dk = torch::empty_like(k3), dv = torch::empty_like(v3);
    hearth::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
      torch::NoGradGuard no_grad;
      const torch::Tensor w = weights.slice(0, begin, end), g = dout.slice(0, begin, end);
      torch::Tensor dq_part = dq.slice(0, begin, end), dk_part = dk.slice(0, begin, end), dv_part = dv.slice(0, begin, end);
      at::bmm_out(dv_part, w.transpose(1, 2), g);
      // d(scores) = w * (d(w) - rowsum(d(w) * w)): softmax's backward; hidden positions have w = 0.
      const torch::Tensor ds =
          at::_softmax_backward_data(at::bmm(g, v3.slice(0, begin, end).transpose(1, 2)), w, -1, torch::kFloat);
      at::bmm_out(dq_part, ds, k3.slice(0, begin, end)).mul_(scale);
      at::bmm_out(dk_part, ds.transpose(1, 2), q3.slice(0, begin, end)).mul_(scale);
    });
    const auto shape = grads[0].sizes();
    return {dq.view(shape), dk.view(shape), dv.view(shape), torch::Tensor()};
  }
};

/// Softmax attention of q, k, v [B, H, T, D] (cpu_attention_fits), scaled by 1/sqrt(D).
inline torch::Tensor cpu_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, bool causal) {
  return CpuAttention::apply(q, k, v, causal);
}

}  // namespace hearth::transformer::detail
