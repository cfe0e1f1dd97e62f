// `adamw`: Adam with decoupled weight decay, on every parameter, on the matrices only (nanoGPT:
// biases and normalisation weights keep their values) or on the weights only (embeddings,
// position and class tokens excluded too, by their names in the model: plugin ABI 1.6).
#include <hearth/plugin.hpp>

#include "fused_adam.hpp"

namespace {

class AdamW : public hearth::TorchOptimizerModule<torch::optim::AdamW> {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::number("lr", 0.001).min(0).doc("Learning rate"),
        hearth::Param::number("beta1", 0.9).range(0, 1).doc("Decay of the first moment"),
        hearth::Param::number("beta2", 0.999).range(0, 1).doc("Decay of the second moment"),
        hearth::Param::number("eps", 1e-8).min(0).doc("Term added to the denominator"),
        hearth::Param::number("weight_decay", 0.01).min(0).doc("Decoupled weight decay"),
        hearth::Param::string("decay", "all").choices({"all", "matrices", "weights"}).doc(
            "Which parameters decay: all; matrices only (2 or more dimensions: weights and embeddings; "
            "biases and norms are left alone, in a second group); or weights only (matrices whose name in "
            "the model holds none of no_decay: embeddings and tokens are left alone too)"),
        hearth::Param::strings("no_decay", {"wte.", "wpe.", "embedding", "pos_embed", "cls_token"}).doc(
            "With decay = \"weights\": parts of parameter names that never decay (the built-in gpt's "
            "transformer.wte/wpe, vit's pos_embed and cls_token, an Embedding module named embedding)"),
        hearth::Param::boolean("amsgrad", false).doc("Use the AMSGrad variant"),
        hearth::Param::boolean("fused", true).doc(
            "Update each float32 CPU parameter in one pass (same formula; faster); false: torch::optim::AdamW"),
    };
  }
  explicit AdamW(const hearth::Params& p)
      : options_(torch::optim::AdamWOptions(p.get<double>("lr"))
                     .betas({p.get<double>("beta1"), p.get<double>("beta2")})
                     .eps(p.get<double>("eps"))
                     .weight_decay(p.get<double>("weight_decay"))
                     .amsgrad(p.get<bool>("amsgrad"))),
        decay_(decay_of(p.get<std::string>("decay"))),
        no_decay_(p.get<std::vector<std::string>>("no_decay")),
        fused_(p.get<bool>("fused")) {}

 protected:
  std::unique_ptr<torch::optim::AdamW> make(const hearth::TensorList& parameters) override {
    std::vector<torch::optim::OptimizerParamGroup> groups;
    if (decay_ == Decay::all) {
      groups.emplace_back(parameters, std::make_unique<torch::optim::AdamWOptions>(options_));
    } else {
      hearth::TensorList decayed, others;
      for (size_t i = 0; i < parameters.size(); ++i) (decays(parameters[i], i) ? decayed : others).push_back(parameters[i]);
      auto undecayed = std::make_unique<torch::optim::AdamWOptions>(options_);
      undecayed->weight_decay(0);
      if (!decayed.empty()) groups.emplace_back(decayed, std::make_unique<torch::optim::AdamWOptions>(options_));
      if (!others.empty()) groups.emplace_back(others, std::move(undecayed));
    }
    if (fused_) return std::make_unique<hearth_builtin::FusedAdamW>(groups, options_);
    return std::make_unique<torch::optim::AdamW>(groups, options_);
  }

 private:
  /// Which parameters decay: the `decay` key's choices (validated by the host against them).
  enum class Decay { all, matrices, weights };
  static Decay decay_of(const std::string& key) {
    return key == "matrices" ? Decay::matrices : key == "weights" ? Decay::weights : Decay::all;
  }

  /// Whether parameter `i` of the bound ones, `t`, goes in the group that decays.
  bool decays(const torch::Tensor& t, size_t i) const {
    if (t.dim() < 2) return false;
    if (decay_ != Decay::weights) return true;
    if (bound_names.size() <= i)
      throw std::runtime_error("decay = \"weights\" needs the parameters' names, which this host (plugin ABI older than 1.6) "
                               "does not give; use decay = \"matrices\" or a newer Hearth");
    for (const std::string& part : no_decay_)
      if (bound_names[i].find(part) != std::string::npos) return false;
    return true;
  }

  torch::optim::AdamWOptions options_;
  Decay decay_;
  std::vector<std::string> no_decay_;
  bool fused_;
};

}  // namespace

HEARTH_REGISTER(AdamW, "adamw", "Adam with decoupled weight decay",
                "torch::optim::AdamW's update, fused into one pass per float32 CPU parameter. decay =\n"
                "\"matrices\" puts the parameters of two or more dimensions (Linear and convolution weights,\n"
                "embeddings) in one group that decays and the rest (biases, LayerNorm and BatchNorm weights) in\n"
                "a second group that does not, as nanoGPT trains GPTs; a schedule sets both groups' rates.\n"
                "decay = \"weights\" also leaves alone the matrices whose name in the model holds a part of\n"
                "no_decay (token and position embeddings, ViT's class token), as GPT-2 style recipes do.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
