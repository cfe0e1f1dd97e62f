// Adam with the update of each float32 CPU parameter done in one pass over its memory, instead of
// the seven tensor operations of torch::optim::Adam (each a pass of its own, each dispatched).
// Same state (AdamParamState), same formula and order of operations, so checkpoints move freely
// between the two; other tensors (CUDA, float64, non-contiguous) take torch::optim::Adam's path.
#pragma once

#include <ATen/Parallel.h>
#include <hearth/sdk/torch_compat.hpp>
#include <torch/torch.h>

#include <cmath>

namespace hearth_builtin {

namespace detail {

struct AdamScalars {
  float beta1, beta2, one_minus_beta1, one_minus_beta2, eps, weight_decay, step_size, sqrt_bias_correction2;
};

/// One element range of the update; the clones let the loader pick AVX2 where the CPU has it.
template <bool kDecay, bool kAmsgrad>
__attribute__((target_clones("avx2", "default"))) void adam_range(float* __restrict p, const float* __restrict g,
                                                                  float* __restrict m, float* __restrict v,
                                                                  float* __restrict vmax, int64_t n, AdamScalars s) {
  for (int64_t i = 0; i < n; ++i) {
    float grad = kDecay ? g[i] + p[i] * s.weight_decay : g[i];
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

}  // namespace detail

class FusedAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;

  torch::Tensor step(LossClosure closure = nullptr) override {
    torch::NoGradGuard no_grad;
    torch::Tensor loss;
    if (closure != nullptr) {
      at::AutoGradMode enable_grad(true);
      loss = closure();
    }
    for (auto& group : param_groups_) {
      auto& options = static_cast<torch::optim::AdamOptions&>(group.options());
      for (auto& p : group.params()) {
        if (!p.grad().defined()) continue;
        const torch::Tensor& grad = p.grad();
        TORCH_CHECK(!grad.is_sparse(), "Adam does not support sparse gradients");
        auto key = hearth::compat::optimizer_state_key<typename decltype(state_)::key_type>(p);
        auto found = state_.find(key);
        if (found == state_.end()) {
          auto fresh = std::make_unique<torch::optim::AdamParamState>();
          fresh->step(0);
          fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
          fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
          if (options.amsgrad()) fresh->max_exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
          found = state_.emplace(key, std::move(fresh)).first;
        }
        auto& state = static_cast<torch::optim::AdamParamState&>(*found->second);
        state.step(state.step() + 1);
        double beta1 = std::get<0>(options.betas()), beta2 = std::get<1>(options.betas());
        double bias_correction1 = 1 - std::pow(beta1, state.step());
        double bias_correction2 = 1 - std::pow(beta2, state.step());
        double step_size = options.lr() / bias_correction1;
        if (fusable(p, grad, state, options.amsgrad())) {
          detail::AdamScalars s{static_cast<float>(beta1),
                                static_cast<float>(beta2),
                                static_cast<float>(1 - beta1),
                                static_cast<float>(1 - beta2),
                                static_cast<float>(options.eps()),
                                static_cast<float>(options.weight_decay()),
                                static_cast<float>(step_size),
                                static_cast<float>(std::sqrt(bias_correction2))};
          float* pp = p.data_ptr<float>();
          const float* gp = grad.data_ptr<float>();
          float* mp = state.exp_avg().data_ptr<float>();
          float* vp = state.exp_avg_sq().data_ptr<float>();
          float* xp = options.amsgrad() ? state.max_exp_avg_sq().data_ptr<float>() : nullptr;
          bool decay = options.weight_decay() != 0, ams = options.amsgrad();
          at::parallel_for(0, p.numel(), 16384, [&](int64_t begin, int64_t end) {
            int64_t n = end - begin;
            if (decay && ams) detail::adam_range<true, true>(pp + begin, gp + begin, mp + begin, vp + begin, xp + begin, n, s);
            else if (decay) detail::adam_range<true, false>(pp + begin, gp + begin, mp + begin, vp + begin, nullptr, n, s);
            else if (ams) detail::adam_range<false, true>(pp + begin, gp + begin, mp + begin, vp + begin, xp + begin, n, s);
            else detail::adam_range<false, false>(pp + begin, gp + begin, mp + begin, vp + begin, nullptr, n, s);
          });
          continue;
        }
        // torch::optim::Adam's own operations (as in LibTorch 1.13 and 2.6), for every other tensor.
        torch::Tensor g = options.weight_decay() != 0 ? grad.add(p, options.weight_decay()) : grad;
        state.exp_avg().mul_(beta1).add_(g, 1 - beta1);
        state.exp_avg_sq().mul_(beta2).addcmul_(g, g, 1 - beta2);
        torch::Tensor denom;
        if (options.amsgrad()) {
          torch::max_out(state.max_exp_avg_sq(), state.exp_avg_sq(), state.max_exp_avg_sq());
          denom = (state.max_exp_avg_sq().sqrt() / std::sqrt(bias_correction2)).add_(options.eps());
        } else {
          denom = (state.exp_avg_sq().sqrt() / std::sqrt(bias_correction2)).add_(options.eps());
        }
        p.addcdiv_(state.exp_avg(), denom, -step_size);
      }
    }
    return loss;
  }

 private:
  static bool plain(const torch::Tensor& t) {
    return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat32 && t.is_contiguous() && !t.is_sparse();
  }
  static bool fusable(const torch::Tensor& p, const torch::Tensor& g, const torch::optim::AdamParamState& s, bool amsgrad) {
    return plain(p) && plain(g) && plain(s.exp_avg()) && plain(s.exp_avg_sq()) && (!amsgrad || plain(s.max_exp_avg_sq())) &&
           g.numel() == p.numel();
  }
};

}  // namespace hearth_builtin
