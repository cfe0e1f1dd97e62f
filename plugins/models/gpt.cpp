// `gpt`: a decoder-only transformer language model in GPT-2's layout, named as the most-used
// minimal PyTorch GPT names its parameters (transformer.wte, transformer.h.0.attn.c_attn, ...,
// lm_head), so state_dicts move between the two strictly.
#include <hearth/plugin.hpp>
#include <hearth/transformer.hpp>

#include <sstream>

namespace {

namespace tf = hearth::transformer;

/// The `transformer` submodule: embeddings, blocks and the final LayerNorm.
class BodyImpl : public torch::nn::Module {
 public:
  BodyImpl(int64_t vocab, int64_t block, int64_t width, int64_t layers, int64_t heads, double dropout) {
    wte = register_module("wte", torch::nn::Embedding(vocab, width));
    wpe = register_module("wpe", torch::nn::Embedding(block, width));
    h = register_module("h", torch::nn::ModuleList());
    for (int64_t i = 0; i < layers; ++i) h->push_back(tf::Block(width, heads, dropout));
    ln_f = register_module("ln_f", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
  }
  torch::nn::Embedding wte{nullptr}, wpe{nullptr};
  torch::nn::ModuleList h{nullptr};
  torch::nn::LayerNorm ln_f{nullptr};
};
TORCH_MODULE(Body);

class Gpt : public hearth::Model {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::integer("vocab_size").min(1).doc(
            "Tokens in the vocabulary: \"dataset:classes\" takes the dataset's (a `text` dataset's vocabulary)"),
        hearth::Param::integer("block_size", 64).range(1, 1 << 20).doc("Longest context in tokens (position embeddings)"),
        hearth::Param::integer("layers", 4).range(1, 1000).doc("Transformer blocks"),
        hearth::Param::integer("heads", 4).range(1, 1024).doc("Attention heads per block (must divide width)"),
        hearth::Param::integer("width", 128).range(1, 1 << 16).doc("Embedding width (n_embd)"),
        hearth::Param::number("dropout", 0.0).range(0.0, 0.99).doc(
            "Dropout after the embeddings, on attention weights and at the end of each residual branch"),
    };
  }

  explicit Gpt(const hearth::Params& p)
      : vocab_(p.get<int64_t>("vocab_size")),
        block_(p.get<int64_t>("block_size")),
        layers_(p.get<int64_t>("layers")),
        dropout_(p.get<double>("dropout")) {
    body_ = register_module("transformer", Body(vocab_, block_, p.get<int64_t>("width"), layers_, p.get<int64_t>("heads"), dropout_));
    tf::init_gpt2(*this, layers_);
  }

  /// inputs[0]: token ids [B, T] -> logits [B, T, vocab]. Generation passes a second input, the key
  /// and value cache (an empty tensor to start one): inputs[0] then holds the tokens after the
  /// cached ones, and the outputs are the logits and the new cache ([layers, 2, B, heads, T, head width]).
  hearth::TensorList forward(const hearth::TensorList& inputs) override {
    if (inputs.empty()) throw std::invalid_argument("gpt needs the token ids as its input");
    const torch::Tensor& idx = inputs[0];
    check_tokens(idx);
    const bool caching = inputs.size() > 1;
    std::vector<tf::LayerCache> caches(caching ? static_cast<size_t>(layers_) : 0);
    int64_t past = 0;
    if (caching) past = unpack_cache(inputs[1], caches, idx.size(0));
    if (past + idx.size(1) > block_)
      throw std::invalid_argument("gpt: " + std::to_string(past + idx.size(1)) + " positions exceed block_size " +
                                  std::to_string(block_) + "; crop the context to the last block_size tokens");
    torch::Tensor pos = torch::arange(past, past + idx.size(1), idx.options().dtype(torch::kInt64));
    torch::Tensor x = body_->wte->forward(idx) + body_->wpe->forward(pos);
    x = torch::dropout(x, dropout_, is_training());
    for (size_t i = 0; i < body_->h->size(); ++i) {
      x = body_->h[i]->as<tf::Block>()->forward(x, /*causal=*/true, caching ? &caches[i] : nullptr);
      tap("block" + std::to_string(i), x);
    }
    // The head is tied to the token embedding (GPT-2's weight tying): one matrix, two names.
    torch::Tensor logits = torch::nn::functional::linear(body_->ln_f->forward(x), body_->wte->weight);
    if (!caching) return {logits};
    return {logits, pack_cache(caches)};
  }

  /// lm_head.weight is the token embedding under its second name, as PyTorch's state_dict lists it.
  std::vector<std::pair<std::string, hearth::Tensor>> state_dict() override {
    auto out = hearth::Model::state_dict();
    out.emplace_back("lm_head.weight", body_->wte->weight);
    return out;
  }

  std::vector<std::pair<std::string, std::string>> taps() const override {
    std::vector<std::pair<std::string, std::string>> out;
    for (int64_t i = 0; i < layers_; ++i)
      out.emplace_back("block" + std::to_string(i), "the residual stream after block " + std::to_string(i) + " [B, T, width]");
    return out;
  }

 private:
  void check_tokens(const torch::Tensor& idx) const {
    if (idx.dim() != 2 || (idx.scalar_type() != torch::kInt64 && idx.scalar_type() != torch::kInt32)) {
      std::ostringstream os;
      os << "gpt expects token ids [B, T] of int64, got " << idx.sizes() << " of " << idx.dtype()
         << "; give it a `text` or `tokens` dataset";
      throw std::invalid_argument(os.str());
    }
    if (idx.numel() == 0) return;
    const int64_t low = idx.min().item<int64_t>(), high = idx.max().item<int64_t>();
    if (low < 0 || high >= vocab_)
      throw std::invalid_argument("gpt: token id " + std::to_string(low < 0 ? low : high) + " is outside vocab_size " +
                                  std::to_string(vocab_) + "; set vocab_size = \"dataset:classes\" or to the tokenizer's size");
  }

  int64_t unpack_cache(const torch::Tensor& cache, std::vector<tf::LayerCache>& caches, int64_t batch) const {
    if (cache.numel() == 0) return 0;
    if (cache.dim() != 6 || cache.size(0) != layers_ || cache.size(1) != 2 || cache.size(2) != batch)
      throw std::invalid_argument("gpt: the cache input is not one this model returned ([layers, 2, B, heads, T, head width])");
    for (int64_t i = 0; i < layers_; ++i) caches[static_cast<size_t>(i)] = {cache[i][0], cache[i][1]};
    return cache.size(4);
  }

  static torch::Tensor pack_cache(const std::vector<tf::LayerCache>& caches) {
    std::vector<torch::Tensor> layers;
    for (const auto& c : caches) layers.push_back(torch::stack({c.key, c.value}));
    return torch::stack(layers);
  }

  int64_t vocab_, block_, layers_;
  double dropout_;
  Body body_{nullptr};
};

}  // namespace

HEARTH_REGISTER(Gpt, "gpt", "Decoder-only transformer language model (GPT-2 layout)",
                "Token and position embeddings, `layers` pre-LayerNorm blocks of causal multi-head\n"
                "self-attention and a GELU MLP, a final LayerNorm and an output head tied to the token\n"
                "embedding; GPT-2's initialisation (N(0, 0.02), residual projections scaled by\n"
                "1/sqrt(2 layers)). Input: token ids [B, T] (T <= block_size); output: logits\n"
                "[B, T, vocab_size] for cross_entropy. Parameter names are nanoGPT's\n"
                "(transformer.wte.weight, transformer.h.0.attn.c_attn.weight, ..., lm_head.weight): its\n"
                "state_dicts load with [model] init and Hearth's exports load there. Attention uses\n"
                "LibTorch's fused scaled_dot_product_attention where it exists (2.x). `hearth sample`\n"
                "generates text with a key-value cache. Tap points: block0, block1, ...")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
