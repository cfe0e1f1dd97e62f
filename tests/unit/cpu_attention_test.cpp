// The CPU attention of short blocks (hearth/sdk/cpu_attention.hpp and its kernel,
// attention_kernel.hpp) against LibTorch's attention (hearth::compat::attention): outputs and
// gradients, both of the kernel's builds (AVX2 and the baseline), padded and unpadded sizes,
// large scores, NaN, and what it leaves to LibTorch.
#include "unit/catch.hpp"
#include <hearth/sdk/cpu_attention.hpp>
#include <hearth/sdk/torch_compat.hpp>
#include <torch/torch.h>

#include <sstream>
#include <tuple>

namespace {

namespace cpu_attn = hearth::transformer::detail;
namespace attn_kernel = hearth::transformer::detail::attention_kernel;

/// q, k and v [B, heads, T, D] as the model makes them: head views of one [B, T, 3 heads D] projection.
struct QkvProjection {
  at::Tensor qkv;
  int64_t heads, d;

  at::Tensor part(int64_t i) const {
    const int64_t width = heads * d;
    return qkv.slice(2, width * i, width * (i + 1)).view({qkv.size(0), qkv.size(1), heads, d}).transpose(1, 2);
  }
};

QkvProjection qkv_projection(int64_t b, int64_t t, int64_t heads, int64_t d, double spread = 1.0) {
  return {(torch::randn({b, t, 3 * heads * d}) * spread).requires_grad_(), heads, d};
}

/// One pass of the kernel, head by head, with the build asked for (the autograd function picks by CPU).
struct AttentionKernelBuild {
  const char* name;
  void (*forward)(const attn_kernel::ForwardArgs&);
  void (*backward)(const attn_kernel::BackwardArgs&);
};

std::vector<AttentionKernelBuild> attention_kernel_builds() {
  std::vector<AttentionKernelBuild> builds{{"baseline", attn_kernel::forward_baseline, attn_kernel::backward_baseline}};
#if HEARTH_LANES8_AVX2
  if (attn_kernel::has_avx2()) builds.push_back({"avx2", attn_kernel::forward_avx2, attn_kernel::backward_avx2});
#endif
  return builds;
}

/// Output and the gradients of q, k, v of every head through one build of the kernel.
std::vector<at::Tensor> run_attention_kernel(const AttentionKernelBuild& build, const QkvProjection& p, const at::Tensor& upstream, bool causal) {
  const at::Tensor q = p.part(0).detach(), k = p.part(1).detach(), v = p.part(2).detach();
  const int64_t n = q.size(0) * q.size(1), t = q.size(2), d = q.size(3), tp = attn_kernel::padded(t);
  const auto scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
  at::Tensor out = cpu_attn::empty_heads(q), dq = cpu_attn::empty_heads(q), dk = cpu_attn::empty_heads(q), dv = cpu_attn::empty_heads(q);
  // Garbage where the kernel must not look: NaN in the weights' unwritten tiles and the workspaces.
  at::Tensor weights = torch::full({n, tp, tp}, NAN);
  std::vector<float> work(std::max(attn_kernel::forward_work_size(t, d), attn_kernel::backward_work_size(t, d)), NAN);
  for (int64_t i = 0; i < n; ++i)
    build.forward({cpu_attn::head_rows(q, i), cpu_attn::head_rows(k, i), cpu_attn::head_rows(v, i), cpu_attn::head_rows_out(out, i),
                   weights.data_ptr<float>() + i * tp * tp, t, d, causal, scale, work.data()});
  std::fill(work.begin(), work.end(), NAN);
  for (int64_t i = 0; i < n; ++i)
    build.backward({cpu_attn::head_rows(q, i), cpu_attn::head_rows(k, i), cpu_attn::head_rows(v, i), cpu_attn::head_rows(upstream, i),
                    weights.data_ptr<float>() + i * tp * tp, cpu_attn::head_rows_out(dq, i), cpu_attn::head_rows_out(dk, i),
                    cpu_attn::head_rows_out(dv, i), t, d, causal, scale, work.data()});
  return {out, dq, dk, dv};
}

std::vector<at::Tensor> run_libtorch_attention(const QkvProjection& p, const at::Tensor& upstream, bool causal) {
  at::Tensor q = p.part(0).detach().requires_grad_(), k = p.part(1).detach().requires_grad_(),
             v = p.part(2).detach().requires_grad_();
  at::Tensor out = hearth::compat::attention(q, k, v, causal, 0.0, false);
  auto grads = torch::autograd::grad({out}, {q, k, v}, {upstream});
  return {out.detach(), grads[0], grads[1], grads[2]};
}

}  // namespace

TEST_CASE("the CPU attention of short blocks gives LibTorch's attention and its gradients", "[transformer]") {
  torch::manual_seed(7);
  for (bool causal : {true, false}) {
    // 24 tokens of 8: padded to whole tiles; 32 of 16: the rows read and written in place.
    for (auto [t, d] : {std::pair<int64_t, int64_t>{24, 8}, {32, 16}}) {
      QkvProjection p = qkv_projection(3, t, 4, d);
      REQUIRE(cpu_attn::cpu_attention_fits(p.part(0), p.part(1), 0.0));
      at::Tensor upstream = torch::randn({3, 4, t, d});
      at::Tensor ours = cpu_attn::cpu_attention(p.part(0), p.part(1), p.part(2), causal);
      at::Tensor grad_ours = torch::autograd::grad({ours}, {p.qkv}, {upstream})[0];
      at::Tensor theirs = hearth::compat::attention(p.part(0), p.part(1), p.part(2), causal, 0.0, false);
      at::Tensor grad_theirs = torch::autograd::grad({theirs}, {p.qkv}, {upstream})[0];
      INFO("causal " << causal << ", T " << t << ", D " << d);
      CHECK(torch::allclose(ours, theirs, 1e-5, 1e-6));
      CHECK(torch::allclose(grad_ours, grad_theirs, 1e-5, 1e-6));
      CHECK(grad_ours.abs().sum().item<double>() > 1.0);
    }
  }
}

/// The largest difference from a reference, against the reference's largest magnitude (as is
/// where the reference is all zeros: a single token's queries and keys get no gradient).
double relative_error(const at::Tensor& x, const at::Tensor& reference) {
  const double difference = (x.to(torch::kDouble) - reference).abs().max().item<double>();
  const double magnitude = reference.abs().max().item<double>();
  return magnitude > 0 ? difference / magnitude : difference;
}

TEST_CASE("both builds of the attention kernel are as accurate as LibTorch's attention at every size they take",
          "[transformer]") {
  torch::manual_seed(11);
  const auto builds = attention_kernel_builds();
  INFO("builds: " << builds.size() << (builds.size() == 1 ? " (this CPU has no AVX2: the AVX2 build is not run)" : ""));
  // One token, sizes off the tiles, the GPT's, the longest block; scores large enough (spread 6:
  // scores of +-100) that an unshifted exponential would overflow. The reference is LibTorch's
  // attention in double precision.
  for (auto [t, d, spread] : {std::tuple<int64_t, int64_t, double>{1, 4, 1.0}, {17, 20, 1.0}, {64, 32, 1.0}, {64, 32, 6.0},
                              {50, 48, 1.0}, {256, 16, 1.0}}) {
    QkvProjection p = qkv_projection(2, t, 3, d, spread);
    QkvProjection p64{p.qkv.detach().to(torch::kDouble), p.heads, p.d};
    at::Tensor upstream = torch::randn({2, 3, t, d});
    for (bool causal : {true, false}) {
      const auto reference = run_libtorch_attention(p64, upstream.to(torch::kDouble), causal);
      const auto theirs = run_libtorch_attention(p, upstream, causal);
      for (const AttentionKernelBuild& build : builds) {
        const auto ours = run_attention_kernel(build, p, upstream, causal);
        INFO(build.name << ": T " << t << ", D " << d << ", spread " << spread << ", causal " << causal);
        for (size_t i = 0; i < ours.size(); ++i) {
          const double error = relative_error(ours[i], reference[i]), libtorch = relative_error(theirs[i], reference[i]);
          INFO("output " << i << " (out, dq, dk, dv): error " << error << ", LibTorch's " << libtorch);
          CHECK(error <= std::max(4 * libtorch, 1e-6));
        }
      }
    }
  }
}

TEST_CASE("a NaN in attention's input makes NaN exactly the outputs that see it", "[transformer]") {
  torch::manual_seed(3);
  QkvProjection p = qkv_projection(1, 20, 2, 8);
  {
    torch::NoGradGuard no_grad;
    p.qkv.select(1, 5).select(1, 3).fill_(NAN);       // query 5 of head 0
    p.qkv.select(1, 9).select(1, 16 + 1).fill_(NAN);  // key 9 of head 0
  }
  for (bool causal : {true, false}) {
    at::Tensor ours = cpu_attn::cpu_attention(p.part(0), p.part(1), p.part(2), causal);
    // Head 0: query 5's row, and every row that sees key 9 (all of them, or from 9 on if causal).
    at::Tensor expected = torch::zeros({1, 2, 20, 8}, torch::kBool);
    expected.select(1, 0).slice(1, causal ? 9 : 0).fill_(true);
    expected.select(1, 0).select(1, 5).fill_(true);
    INFO("causal " << causal);
    CHECK(torch::equal(ours.isnan(), expected));
  }
}

TEST_CASE("the CPU attention leaves to LibTorch what it does not take", "[transformer]") {
  // Dropout on the weights, other types, long blocks, a cache (fewer queries than keys).
  at::Tensor q = torch::randn({1, 2, 8, 4});
  CHECK(cpu_attn::cpu_attention_fits(q, q, 0.0));
  CHECK_FALSE(cpu_attn::cpu_attention_fits(q, q, 0.1));
  CHECK_FALSE(cpu_attn::cpu_attention_fits(q.to(torch::kDouble), q.to(torch::kDouble), 0.0));
  CHECK_FALSE(cpu_attn::cpu_attention_fits(torch::randn({1, 2, 300, 4}), torch::randn({1, 2, 300, 4}), 0.0));
  CHECK_FALSE(cpu_attn::cpu_attention_fits(q.slice(2, 7), q, 0.0));
}
