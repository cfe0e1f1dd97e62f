// Transformer building blocks for model plugins: the pre-LayerNorm block of GPT-2 (causal or not),
// its self-attention and MLP, and GPT-2's initialisation. The built-in `gpt` and `vit` models are
// made of them, so a custom transformer is the embedding and the head around a stack of Blocks:
//
//   #include <hearth/plugin.hpp>
//   #include <hearth/transformer.hpp>
//   blocks_ = register_module("h", torch::nn::ModuleList());
//   for (int64_t i = 0; i < layers; ++i) blocks_->push_back(hearth::transformer::Block(width, heads, dropout));
//   ... for (auto& b : *blocks_) x = b->as<hearth::transformer::Block>()->forward(x, /*causal=*/true);
//
// Parameter names are those of the most-used minimal PyTorch GPT (ln_1, attn.c_attn, attn.c_proj,
// ln_2, mlp.c_fc, mlp.c_proj), so state_dicts move between it and Hearth by name. See docs/sdk.md.
#pragma once

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "hearth/sdk/cpu_attention.hpp"
#include "hearth/sdk/cpu_gelu.hpp"
#include "hearth/sdk/torch_compat.hpp"

namespace hearth::transformer {

/// The keys and values of the positions a layer has seen, [B, heads, T, head width] each, kept
/// between calls when generating one token at a time. Empty (undefined) before the first call.
struct LayerCache {
  torch::Tensor key, value;
};

/// Multi-head self-attention with the query, key and value projections in one Linear (c_attn)
/// and the output projection c_proj; dropout on the attention weights and on the output.
class SelfAttentionImpl : public torch::nn::Module {
 public:
  SelfAttentionImpl(int64_t width, int64_t heads, double dropout) : width_(width), heads_(heads), dropout_(dropout) {
    if (heads < 1 || width % heads != 0)
      throw std::invalid_argument("the width " + std::to_string(width) + " is not a multiple of heads = " + std::to_string(heads) +
                                  "; pick a width that heads divides");
    c_attn = register_module("c_attn", torch::nn::Linear(width, 3 * width));
    c_proj = register_module("c_proj", torch::nn::Linear(width, width));
  }

  /// x [B, T, width] -> [B, T, width]. With `cache`, x holds the positions after those cached,
  /// which attend to the cached keys too; the cache then holds all of them.
  torch::Tensor forward(const torch::Tensor& x, bool causal, LayerCache* cache = nullptr) {
    // The batch size is never read from x (-1, flatten): a trace (the TorchScript and ONNX
    // exports) then takes any batch size.
    const int64_t t = x.size(1);
    std::vector<torch::Tensor> qkv = c_attn->forward(x).split(width_, 2);
    auto heads = [&](const torch::Tensor& y) { return y.view({-1, t, heads_, width_ / heads_}).transpose(1, 2); };
    torch::Tensor q = heads(qkv[0]), k = heads(qkv[1]), v = heads(qkv[2]);
    if (cache != nullptr) {
      if (cache->key.defined()) {
        k = torch::cat({cache->key, k}, 2);
        v = torch::cat({cache->value, v}, 2);
      }
      cache->key = k;
      cache->value = v;
    }
    const double weight_dropout = is_training() ? dropout_ : 0.0;
    torch::Tensor y = detail::cpu_attention_fits(q, k, weight_dropout)
                          ? detail::cpu_attention(q, k, v, causal)
                          : compat::attention(q, k, v, causal, dropout_, is_training());
    y = y.transpose(1, 2).flatten(2);
    return torch::dropout(c_proj->forward(y), dropout_, is_training());
  }

  torch::nn::Linear c_attn{nullptr}, c_proj{nullptr};

 private:
  int64_t width_, heads_;
  double dropout_;
};
TORCH_MODULE(SelfAttention);

/// The block's MLP: width -> 4 width, GELU (the exact, erf form), -> width, dropout.
class FeedForwardImpl : public torch::nn::Module {
 public:
  FeedForwardImpl(int64_t width, double dropout) : dropout_(dropout) {
    c_fc = register_module("c_fc", torch::nn::Linear(width, 4 * width));
    c_proj = register_module("c_proj", torch::nn::Linear(4 * width, width));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return torch::dropout(c_proj->forward(detail::gelu(c_fc->forward(x))), dropout_, is_training());
  }
  torch::nn::Linear c_fc{nullptr}, c_proj{nullptr};

 private:
  double dropout_;
};
TORCH_MODULE(FeedForward);

/// One pre-LayerNorm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).
class BlockImpl : public torch::nn::Module {
 public:
  BlockImpl(int64_t width, int64_t heads, double dropout) {
    ln_1 = register_module("ln_1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
    attn = register_module("attn", SelfAttention(width, heads, dropout));
    ln_2 = register_module("ln_2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
    mlp = register_module("mlp", FeedForward(width, dropout));
  }
  /// x [B, T, width]; `causal`: position t sees positions up to t only (language models).
  torch::Tensor forward(const torch::Tensor& x, bool causal, LayerCache* cache = nullptr) {
    torch::Tensor y = x + attn->forward(ln_1->forward(x), causal, cache);
    return y + mlp->forward(ln_2->forward(y));
  }
  torch::nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
  SelfAttention attn{nullptr};
  FeedForward mlp{nullptr};
};
TORCH_MODULE(Block);

/// GPT-2's initialisation of `model` with `layers` blocks: Linear and Embedding weights from
/// N(0, 0.02), biases zero, LayerNorms one and zero, and the projections that end a residual
/// branch (every `c_proj`) from N(0, 0.02 / sqrt(2 layers)) so the residual stream's variance does
/// not grow with depth. Draws from the global generator in registration order: a job's seed makes
/// it the same every time.
inline void init_gpt2(torch::nn::Module& model, int64_t layers) {
  torch::NoGradGuard no_grad;
  const double residual_std = 0.02 / std::sqrt(2.0 * static_cast<double>(layers));
  for (const auto& item : model.named_modules("", /*include_self=*/false)) {
    torch::nn::Module& m = *item.value();
    const std::string& name = item.key();
    const bool residual_end = name.size() >= 6 && name.compare(name.size() - 6, 6, "c_proj") == 0;
    if (auto* linear = m.as<torch::nn::Linear>()) {
      linear->weight.normal_(0.0, residual_end ? residual_std : 0.02);
      if (linear->bias.defined()) linear->bias.zero_();
    } else if (auto* embedding = m.as<torch::nn::Embedding>()) {
      embedding->weight.normal_(0.0, 0.02);
    } else if (auto* norm = m.as<torch::nn::LayerNorm>()) {
      norm->weight.fill_(1.0);
      norm->bias.zero_();
    }
  }
}

}  // namespace hearth::transformer
