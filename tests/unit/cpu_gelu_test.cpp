// The CPU GELU (hearth/sdk/cpu_gelu.hpp and its kernel, gelu_kernel.hpp): both builds of the
// kernel against the exact GELU in double precision, as accurate as LibTorch's; runs of any length;
// gradients through autograd; NaN and infinities as LibTorch gives them.
#include "unit/catch.hpp"
#include <hearth/sdk/cpu_gelu.hpp>
#include <torch/torch.h>

#include <cmath>

namespace {

namespace gelu_cpu = hearth::transformer::detail;
namespace gelu_k = hearth::transformer::detail::gelu_kernel;

struct GeluKernelBuild {
  const char* name;
  void (*forward)(const float*, float*, int64_t);
  void (*backward)(const float*, const float*, float*, int64_t);
};

std::vector<GeluKernelBuild> gelu_kernel_builds() {
  std::vector<GeluKernelBuild> builds{{"baseline", gelu_k::forward_baseline, gelu_k::backward_baseline}};
#if HEARTH_LANES8_AVX2
  if (hearth::lanes8::has_avx2()) builds.push_back({"avx2", gelu_k::forward_avx2, gelu_k::backward_avx2});
#endif
  return builds;
}

/// The largest absolute difference from a double-precision reference.
double gelu_error(const at::Tensor& x, const at::Tensor& reference) { return (x.to(torch::kDouble) - reference).abs().max().item<double>(); }

}  // namespace

TEST_CASE("both builds of the GELU kernel are as accurate as LibTorch's GELU, for runs of any length", "[transformer]") {
  // Every value from -10 to 10 in steps of 1/1024, and lengths that end mid-vector.
  const at::Tensor all = torch::arange(-10240, 10241, torch::kFloat) / 1024;
  const at::Tensor exact_x = all.to(torch::kDouble);
  const at::Tensor cdf = 0.5 * (1 + torch::erf(exact_x / std::sqrt(2.0)));
  const at::Tensor reference = exact_x * cdf, reference_grad = cdf + exact_x * torch::exp(-exact_x * exact_x / 2) / std::sqrt(2 * M_PI);
  at::Tensor x = all.clone().requires_grad_();
  at::Tensor theirs = torch::gelu(x);
  const at::Tensor theirs_grad = torch::autograd::grad({theirs}, {x}, {torch::ones_like(theirs)})[0];
  const double libtorch = gelu_error(theirs, reference), libtorch_grad = gelu_error(theirs_grad, reference_grad);
  for (const GeluKernelBuild& build : gelu_kernel_builds()) {
    for (int64_t n : {int64_t{1}, int64_t{7}, int64_t{8}, int64_t{9}, all.numel()}) {
      at::Tensor y = torch::full({n}, NAN), dx = torch::full({n}, NAN);
      const at::Tensor part = all.slice(0, 0, n), ones = torch::ones({n});
      build.forward(part.data_ptr<float>(), y.data_ptr<float>(), n);
      build.backward(ones.data_ptr<float>(), part.data_ptr<float>(), dx.data_ptr<float>(), n);
      const double error = gelu_error(y, reference.slice(0, 0, n)), grad_error = gelu_error(dx, reference_grad.slice(0, 0, n));
      INFO(build.name << ", " << n << " values: error " << error << " (LibTorch's " << libtorch << "), of the gradient "
                      << grad_error << " (LibTorch's " << libtorch_grad << ")");
      CHECK(error <= std::max(4 * libtorch, 1e-6));
      CHECK(grad_error <= std::max(4 * libtorch_grad, 1e-6));
    }
  }
}

TEST_CASE("the CPU GELU gives LibTorch's GELU and gradient through autograd, NaN and infinities included", "[transformer]") {
  torch::manual_seed(5);
  // More values than one thread's share, strided (a transpose) to be made contiguous.
  at::Tensor x = (torch::randn({300, 129}) * 3).t().requires_grad_();
  REQUIRE(gelu_cpu::cpu_gelu_fits(x));
  at::Tensor upstream = torch::randn({129, 300});
  at::Tensor ours = gelu_cpu::cpu_gelu(x), theirs = torch::gelu(x);
  CHECK(torch::allclose(ours, theirs, 1e-5, 1e-6));
  CHECK(torch::allclose(torch::autograd::grad({ours}, {x}, {upstream})[0], torch::autograd::grad({theirs}, {x}, {upstream})[0],
                        1e-5, 1e-6));
  const at::Tensor special = torch::tensor({NAN, INFINITY, -INFINITY, 1e30F, -1e30F, 0.0F});
  const at::Tensor ours_special = gelu_cpu::cpu_gelu(special), theirs_special = torch::gelu(special);
  INFO("ours " << ours_special << ", LibTorch's " << theirs_special);
  CHECK(torch::equal(ours_special.isnan(), theirs_special.isnan()));
  CHECK(torch::allclose(ours_special.nan_to_num(0), theirs_special.nan_to_num(0)));
  // What it leaves to LibTorch.
  CHECK_FALSE(gelu_cpu::cpu_gelu_fits(x.to(torch::kDouble)));
  CHECK_FALSE(gelu_cpu::cpu_gelu_fits(x.to(torch::kBFloat16)));
}
