#include "engine/jobs/text_sampler.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <chrono>
#include <limits>
#include <sstream>

#include "engine/core/error.hpp"

namespace hearth {
namespace {

using Forward = std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>&)>;

/// The logits of the last position of `outputs[0]`, checked to be [1, T, vocab].
at::Tensor last_logits(const std::vector<at::Tensor>& outputs, int64_t vocab) {
  const at::Tensor& logits = outputs.at(0);
  if (logits.dim() != 3 || logits.size(0) != 1 || logits.size(2) != vocab) {
    std::ostringstream os;
    os << "the model's output is " << logits.sizes() << ", not logits [1, T, " << vocab
       << "] over the run's vocabulary: `hearth sample` needs a language model (such as gpt) trained on a text dataset";
    throw UsageError(os.str());
  }
  return logits[0][logits.size(1) - 1].to(at::kCPU, at::kFloat);
}

at::Tensor as_input(const std::vector<int64_t>& ids, size_t from) {
  std::vector<int64_t> part(ids.begin() + static_cast<std::ptrdiff_t>(from), ids.end());
  return torch::tensor(part, torch::kLong).unsqueeze(0);
}

/// The first `from` of the tokens a model given the context `ids` sees: all, or its last `context`.
size_t window_start(const std::vector<int64_t>& ids, int64_t context) {
  return context > 0 && static_cast<int64_t>(ids.size()) > context ? ids.size() - static_cast<size_t>(context) : 0;
}

}  // namespace

int64_t draw_token(const at::Tensor& last, const SamplingOptions& opts, at::Generator& generator) {
  if (opts.temperature <= 0) return last.argmax().item<int64_t>();
  at::Tensor logits = last / opts.temperature;
  if (opts.top_k > 0 && opts.top_k < logits.size(0)) {
    const double kth = std::get<0>(logits.topk(opts.top_k)).min().item<double>();
    logits = logits.masked_fill(logits < kth, -std::numeric_limits<double>::infinity());
  }
  return at::multinomial(at::softmax(logits, 0), 1, false, generator).item<int64_t>();
}

SamplingReport sample_tokens(const Forward& forward, std::vector<int64_t> ids, int64_t vocab, const SamplingOptions& opts,
                             const std::function<void(int64_t)>& emit) {
  if (ids.empty()) throw UsageError("the prompt encodes to no tokens; give at least one character");
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(opts.seed);
  SamplingReport report;
  const auto began = std::chrono::steady_clock::now();
  // The whole (cropped) context in one forward: with an empty cache as a second input, a caching
  // model answers with its cache; one that answers with one output keeps none, and later calls
  // give it the context alone.
  bool offer_cache = opts.use_cache;
  at::Tensor cache;
  int64_t cached_length = 0;
  auto start = [&] {
    const size_t from = window_start(ids, opts.context);
    std::vector<at::Tensor> in = {as_input(ids, from)};
    if (offer_cache) in.push_back(at::empty({0}));
    std::vector<at::Tensor> out = forward(in);
    report.cached = offer_cache = offer_cache && out.size() > 1;
    cache = report.cached ? out[1] : at::Tensor();
    cached_length = static_cast<int64_t>(ids.size() - from);
    return last_logits(out, vocab);
  };
  at::Tensor logits = start();
  for (int64_t i = 0; i < opts.tokens; ++i) {
    const int64_t next = draw_token(logits, opts, generator);
    ids.push_back(next);
    emit(next);
    if (i + 1 == opts.tokens) break;
    // The cache holds absolute positions: once the window is full, each step starts it again on
    // the last `context` tokens, as the model without a cache would see them.
    if (report.cached && (opts.context == 0 || cached_length < opts.context)) {
      std::vector<at::Tensor> out = forward({torch::tensor({next}, torch::kLong).unsqueeze(0), cache});
      cache = out.at(1);
      ++cached_length;
      logits = last_logits(out, vocab);
    } else {
      logits = start();
    }
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  return report;
}

}  // namespace hearth
