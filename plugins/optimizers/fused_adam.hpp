// Adam and AdamW with the update of each float32 CPU parameter done in one pass over its memory,
// instead of the seven tensor operations of torch::optim::Adam / AdamW (each a pass of its own,
// each dispatched). Same state (AdamParamState / AdamWParamState), same formula and order of
// operations, so checkpoints move freely between them; other tensors (CUDA, float64,
// non-contiguous) take torch::optim's own path. The loop itself is adam_kernel.cpp.
#pragma once

#include <hearth/sdk/parallel.hpp>
#include <hearth/sdk/torch_compat.hpp>
#include <torch/torch.h>

#include <cmath>

#include "adam_kernel.hpp"

namespace hearth_builtin {

/// torch::optim's Adam (kDecoupled false) or AdamW (true), fused where the tensors allow.
template <class TorchAdam, class Options, class State, bool kDecoupled>
class FusedAdamOf : public TorchAdam {
 public:
  using TorchAdam::TorchAdam;

  torch::Tensor step(typename TorchAdam::LossClosure closure = nullptr) override {
    torch::NoGradGuard no_grad;
    torch::Tensor loss;
    if (closure != nullptr) {
      at::AutoGradMode enable_grad(true);
      loss = closure();
    }
    for (auto& group : this->param_groups_) {
      auto& options = static_cast<Options&>(group.options());
      for (auto& p : group.params()) {
        if (!p.grad().defined()) continue;
        const torch::Tensor& grad = p.grad();
        TORCH_CHECK(!grad.is_sparse(), "Adam does not support sparse gradients");
        auto key = hearth::compat::optimizer_state_key<typename decltype(this->state_)::key_type>(p);
        auto found = this->state_.find(key);
        if (found == this->state_.end()) {
          auto fresh = std::make_unique<State>();
          fresh->step(0);
          fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
          fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
          if (options.amsgrad()) fresh->max_exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
          found = this->state_.emplace(key, std::move(fresh)).first;
        }
        auto& state = static_cast<State&>(*found->second);
        update(p, grad, state, options);
      }
    }
    return loss;
  }

 private:
  static void update(torch::Tensor& p, const torch::Tensor& grad, State& state, const Options& options) {
    state.step(state.step() + 1);
    double beta1 = std::get<0>(options.betas()), beta2 = std::get<1>(options.betas());
    double bias_correction1 = 1 - std::pow(beta1, state.step());
    double bias_correction2 = 1 - std::pow(beta2, state.step());
    double step_size = options.lr() / bias_correction1;
    if (fusable(p, grad, state, options.amsgrad())) {
      fused_update(p, grad, state, options, step_size, bias_correction2);
      return;
    }
    // torch::optim's own operations (as in LibTorch 1.13 and 2.6), for every other tensor.
    torch::Tensor g = grad;
    if (options.weight_decay() != 0) {
      if (kDecoupled) p.mul_(1 - options.lr() * options.weight_decay());
      else g = grad.add(p, options.weight_decay());
    }
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

  static void fused_update(torch::Tensor& p, const torch::Tensor& grad, State& state, const Options& options, double step_size,
                           double bias_correction2) {
    const double beta1 = std::get<0>(options.betas()), beta2 = std::get<1>(options.betas());
    detail::AdamScalars s{static_cast<float>(beta1),
                          static_cast<float>(beta2),
                          static_cast<float>(1 - beta1),
                          static_cast<float>(1 - beta2),
                          static_cast<float>(options.eps()),
                          static_cast<float>(options.weight_decay()),
                          static_cast<float>(step_size),
                          static_cast<float>(std::sqrt(bias_correction2)),
                          static_cast<float>(1 - options.lr() * options.weight_decay())};
    float* pp = p.data_ptr<float>();
    const float* gp = grad.data_ptr<float>();
    float* mp = state.exp_avg().template data_ptr<float>();
    float* vp = state.exp_avg_sq().template data_ptr<float>();
    float* xp = options.amsgrad() ? state.max_exp_avg_sq().template data_ptr<float>() : nullptr;
    const detail::AdamVariant variant{options.weight_decay() != 0, options.amsgrad(), kDecoupled};
    hearth::parallel_for(0, p.numel(), 16384, [&](int64_t begin, int64_t end) {
      float* x = variant.amsgrad ? xp + begin : nullptr;
      detail::adam_update(pp + begin, gp + begin, mp + begin, vp + begin, x, end - begin, s, variant);
    });
  }

  static bool plain(const torch::Tensor& t) {
    return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat32 && t.is_contiguous() && !t.is_sparse();
  }
  static bool fusable(const torch::Tensor& p, const torch::Tensor& g, const State& s, bool amsgrad) {
    return plain(p) && plain(g) && plain(s.exp_avg()) && plain(s.exp_avg_sq()) && (!amsgrad || plain(s.max_exp_avg_sq())) &&
           g.numel() == p.numel();
  }
};

using FusedAdam = FusedAdamOf<torch::optim::Adam, torch::optim::AdamOptions, torch::optim::AdamParamState, false>;
using FusedAdamW = FusedAdamOf<torch::optim::AdamW, torch::optim::AdamWOptions, torch::optim::AdamWParamState, true>;

}  // namespace hearth_builtin
