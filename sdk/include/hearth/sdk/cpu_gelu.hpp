// The exact GELU on the CPU for float32 (gelu_kernel.hpp), split over LibTorch's threads: its
// backward pass gets Phi(x) and phi(x) from one exponential where LibTorch's computes erf and an
// exponential apart. hearth::transformer's FeedForward uses it where it fits; elsewhere torch::gelu.
#pragma once

#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/torch.h>

#include "hearth/sdk/gelu_kernel.hpp"
#include "hearth/sdk/parallel.hpp"

namespace hearth::transformer::detail {

/// Whether cpu_gelu() takes x: float32 on the CPU, outside a trace (which records LibTorch's op).
inline bool cpu_gelu_fits(const torch::Tensor& x) {
  return x.device().is_cpu() && x.scalar_type() == torch::kFloat && !torch::jit::tracer::isTracing();
}

/// The autograd function behind cpu_gelu().
class CpuGelu : public torch::autograd::Function<CpuGelu> {
 public:
  /// Floats a thread takes at least: below this the hand-off costs more than it saves.
  static constexpr int64_t kGrain = 16384;

  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x_in) {
    const torch::Tensor x = x_in.detach().contiguous();
    torch::Tensor y = torch::empty_like(x);
    const float* in = x.data_ptr<float>();
    float* out = y.data_ptr<float>();
    hearth::parallel_for(0, x.numel(), kGrain,
                         [&](int64_t begin, int64_t end) { gelu_kernel::forward(in + begin, out + begin, end - begin); });
    ctx->save_for_backward({x});
    return y;
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor dy = grads[0].contiguous();
    torch::Tensor dx = torch::empty_like(saved[0]);
    const float *g = dy.data_ptr<float>(), *x = saved[0].data_ptr<float>();
    float* out = dx.data_ptr<float>();
    hearth::parallel_for(0, dx.numel(), kGrain,
                         [&](int64_t begin, int64_t end) { gelu_kernel::backward(g + begin, x + begin, out + begin, end - begin); });
    return {dx};
  }
};

/// The exact GELU of x (cpu_gelu_fits), x Phi(x).
inline torch::Tensor cpu_gelu(const torch::Tensor& x) { return CpuGelu::apply(x); }

/// The exact GELU of any x: cpu_gelu() where it fits, else LibTorch's.
inline torch::Tensor gelu(const torch::Tensor& x) { return cpu_gelu_fits(x) ? cpu_gelu(x) : torch::gelu(x); }

}  // namespace hearth::transformer::detail
