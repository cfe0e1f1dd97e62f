// Autoregressive sampling from a language model (`hearth sample`): the model's forward takes
// token ids [1, T] and gives logits [1, T, vocab]; a model that keeps a key-value cache (the
// built-in `gpt`: a second input, empty to start one, and the new cache as a second output) is fed
// one token per step, any other the whole context each step.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "engine/runtime/modules/model_module.hpp"

namespace hearth {

struct SamplingOptions {
  int64_t tokens = 200;      ///< tokens to generate
  double temperature = 1.0;  ///< 0: always the most likely token
  int64_t top_k = 0;         ///< > 0: draw among the k most likely only
  uint64_t seed = 0;         ///< the draws' generator: the same seed gives the same tokens
  int64_t context = 0;       ///< the longest context the model takes (its training windows); 0: no limit
  bool use_cache = true;     ///< false: the whole context every step, even for a caching model
};

/// What sampling did, beside the tokens it handed out.
struct SamplingReport {
  bool cached = false;  ///< the model kept a key-value cache
  double seconds = 0;   ///< generating, the prompt's forward included
};

/// Generates opts.tokens tokens after `prompt` (not empty), calling `emit` with each as it is
/// drawn. Throws Error when the model's output is not logits [1, T, vocab] of `vocab` tokens.
SamplingReport sample_tokens(const std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>&)>& forward,
                             std::vector<int64_t> prompt, int64_t vocab, const SamplingOptions& opts,
                             const std::function<void(int64_t)>& emit);

/// The token drawn from the logits `last` [vocab] (temperature, top-k, `generator`).
int64_t draw_token(const at::Tensor& last, const SamplingOptions& opts, at::Generator& generator);

}  // namespace hearth
