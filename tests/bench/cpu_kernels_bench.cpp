// Hearth's CPU kernels against LibTorch's at the gpt-char size (issue 30): the attention of short
// blocks (hearth/sdk/cpu_attention.hpp) against hearth::compat::attention (2.x: the fused
// scaled_dot_product_attention; 1.13: the products written out), and the GELU that keeps Phi(x)
// (hearth/sdk/cpu_gelu.hpp) against torch::gelu. Forward alone and forward with backward, on the
// tensors the model gives them (q, k, v as head views of one projection), 2 threads; the two
// sides take turns in blocks and the medians are compared. docs/benchmarks.md has the figures.
//
//   cmake --build build --target bench_cpu_kernels && build/bin/bench_cpu_kernels [ROUNDS]
#include <hearth/sdk/cpu_attention.hpp>
#include <hearth/sdk/cpu_gelu.hpp>
#include <hearth/sdk/torch_compat.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

namespace {

constexpr int64_t kBatch = 12, kBlock = 64, kHeads = 4, kWidth = 128;
constexpr int kRepeats = 20;

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// Milliseconds per call of f, over kRepeats calls.
double time_ms(const std::function<void()>& f) {
  const auto t0 = Clock::now();
  for (int i = 0; i < kRepeats; ++i) f();
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / kRepeats;
}

/// Hearth's and LibTorch's version of one operation, timed in turns.
struct Pair {
  const char* what;
  std::function<void()> hearth, libtorch;
  std::vector<double> hearth_ms, libtorch_ms;
};

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 15;
  torch::set_num_threads(2);
  torch::manual_seed(0);
  namespace detail = hearth::transformer::detail;
  const at::Tensor qkv = torch::randn({kBatch, kBlock, 3 * kWidth}, torch::requires_grad());
  auto head = [&](int64_t i) {
    return qkv.slice(2, kWidth * i, kWidth * (i + 1)).view({kBatch, kBlock, kHeads, kWidth / kHeads}).transpose(1, 2);
  };
  const at::Tensor upstream = torch::randn({kBatch, kBlock, kWidth});
  auto merged = [](const at::Tensor& y) { return y.transpose(1, 2).flatten(2); };
  const at::Tensor hidden = torch::randn({kBatch, kBlock, 4 * kWidth}, torch::requires_grad());
  const at::Tensor hidden_upstream = torch::randn({kBatch, kBlock, 4 * kWidth});

  std::vector<Pair> pairs;
  pairs.push_back({"causal attention, forward",
                   [&] {
                     torch::NoGradGuard no_grad;
                     detail::cpu_attention(head(0), head(1), head(2), true);
                   },
                   [&] {
                     torch::NoGradGuard no_grad;
                     hearth::compat::attention(head(0), head(1), head(2), true, 0.0, false);
                   }});
  pairs.push_back({"causal attention, forward and backward",
                   [&] { merged(detail::cpu_attention(head(0), head(1), head(2), true)).backward(upstream); },
                   [&] { merged(hearth::compat::attention(head(0), head(1), head(2), true, 0.0, false)).backward(upstream); }});
  pairs.push_back({"GELU, forward",
                   [&] {
                     torch::NoGradGuard no_grad;
                     detail::cpu_gelu(hidden);
                   },
                   [&] {
                     torch::NoGradGuard no_grad;
                     torch::gelu(hidden);
                   }});
  pairs.push_back({"GELU, forward and backward", [&] { detail::cpu_gelu(hidden).backward(hidden_upstream); },
                   [&] { torch::gelu(hidden).backward(hidden_upstream); }});

  for (Pair& p : pairs) {  // warm-up: allocator, threads, first-touch pages
    time_ms(p.hearth);
    time_ms(p.libtorch);
  }
  for (int r = 0; r < rounds; ++r)
    for (Pair& p : pairs) {
      // Alternate who goes first, so that neither side always runs on a cache the other warmed.
      if (r % 2 == 0) p.hearth_ms.push_back(time_ms(p.hearth));
      p.libtorch_ms.push_back(time_ms(p.libtorch));
      if (r % 2 == 1) p.hearth_ms.push_back(time_ms(p.hearth));
    }
  std::printf("LibTorch %s, 2 threads, batch %lld x block %lld, %lld heads of %lld; medians of %d rounds of %d calls\n",
              TORCH_VERSION, static_cast<long long>(kBatch), static_cast<long long>(kBlock), static_cast<long long>(kHeads),
              static_cast<long long>(kWidth / kHeads), rounds, kRepeats);
  for (const Pair& p : pairs) {
    const double h = median(p.hearth_ms), l = median(p.libtorch_ms);
    std::printf("%-40s Hearth %7.3f ms  LibTorch %7.3f ms  LibTorch / Hearth %.2f\n", p.what, h, l, l / h);
  }
}
