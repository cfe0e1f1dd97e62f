// Where LibTorch 1.13 (Debian 12) and 2.x (Debian 13's 2.6, official and CUDA builds) differ for
// plugins. Each difference is named here once, with both versions; nothing else in the SDK or the
// built-in plugins tests the LibTorch version.
#pragma once

#include <ATen/ATen.h>
#include <torch/version.h>

#include <cmath>
#include <limits>

#include <sstream>
#include <string>
#include <type_traits>

namespace hearth::compat {

/// The key under which torch::optim::Optimizer keeps a parameter's state. LibTorch 1.13 keys
/// `state_` by the text of the parameter's TensorImpl address (`c10::guts::to_string(impl)`, an
/// ostream of the pointer); 2.x keys it by the `TensorImpl*` itself (a `void*`). An optimizer
/// derived from torch::optim::Optimizer passes `typename decltype(state_)::key_type`, so the same
/// source keeps state where torch::optim's own optimizers look for it on both versions.
template <class Key>
Key optimizer_state_key(const at::Tensor& parameter) {
  void* impl = parameter.unsafeGetTensorImpl();
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream text;
    text << impl;
    return text.str();
  } else {
    return impl;
  }
}

/// Softmax attention of queries q [B, H, Tq, D] over keys k and values v [B, H, Tk, D], scaled by
/// 1/sqrt(D). `causal` hides key j from query i when j > i + Tk - Tq: the queries are the last Tq
/// positions of the sequence (Tq < Tk when earlier keys come from a cache). LibTorch 2.0 and later
/// have the fused at::scaled_dot_product_attention (flash and memory-efficient kernels on CUDA, a
/// fused kernel on CPU), whose own `is_causal` aligns the mask to the top left, so it is used only
/// when Tq == Tk and an explicit mask otherwise; 1.13 has no fused kernel, so the arithmetic is
/// written out (the same within float rounding).
inline at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool causal, double dropout,
                            bool training) {
  const int64_t tq = q.size(-2), tk = k.size(-2);
  const bool full_mask = causal && tq > 1;  // one query at the end sees every key
  const double p = training ? dropout : 0.0;
#if TORCH_VERSION_MAJOR >= 2
  if (!full_mask || tq == tk) return at::scaled_dot_product_attention(q, k, v, {}, p, full_mask);
  at::Tensor keep = at::ones({tq, tk}, q.options().dtype(at::kBool)).tril(tk - tq);
  return at::scaled_dot_product_attention(q, k, v, keep, p, false);
#else
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  at::Tensor scores;
  if (full_mask) {
    // The mask as -inf added by the multiplication itself (baddbmm's beta term): one pass
    // over the scores instead of three (scale, mask, their backward).
    at::Tensor hidden = at::ones({tq, tk}, q.options().dtype(at::kBool)).triu(tk - tq + 1);
    at::Tensor bias = at::zeros({tq, tk}, q.options()).masked_fill_(hidden, -std::numeric_limits<double>::infinity());
    // -1 for the batch (never its value): a trace then takes any batch size.
    scores = at::baddbmm(bias, q.reshape({-1, tq, q.size(-1)}), k.reshape({-1, tk, k.size(-1)}).transpose(1, 2), 1.0, scale)
                 .view({-1, q.size(1), tq, tk});
  } else {
    scores = at::matmul(q, k.transpose(-2, -1)) * scale;
  }
  at::Tensor weights = at::softmax(scores, -1);
  if (p > 0) weights = at::dropout(weights, p, true);
  return at::matmul(weights, v);
#endif
}

}  // namespace hearth::compat
