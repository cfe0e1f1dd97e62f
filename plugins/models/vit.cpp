// `vit`: a Vision Transformer for image classification, made of the same blocks as `gpt`
// (hearth/transformer.hpp) without the causal mask.
#include <hearth/plugin.hpp>
#include <hearth/transformer.hpp>

#include <sstream>

namespace {

namespace tf = hearth::transformer;

class Vit : public hearth::Model {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::integer("image_size", 28).range(1, 1 << 14).doc("Side of the square input images in pixels"),
        hearth::Param::integer("patch_size", 7).range(1, 1 << 14).doc("Side of the square patches (must divide image_size)"),
        hearth::Param::integer("in_channels", 1).range(1, 1024).doc("Channels of the input images"),
        hearth::Param::integer("classes", 10).min(1).doc("Number of classes (\"dataset:classes\" takes the dataset's)"),
        hearth::Param::integer("layers", 4).range(1, 1000).doc("Transformer blocks"),
        hearth::Param::integer("heads", 4).range(1, 1024).doc("Attention heads per block (must divide width)"),
        hearth::Param::integer("width", 64).range(1, 1 << 16).doc("Embedding width"),
        hearth::Param::number("dropout", 0.0).range(0.0, 0.99).doc("Dropout on attention weights and residual branches"),
    };
  }

  explicit Vit(const hearth::Params& p)
      : size_(p.get<int64_t>("image_size")), patch_(p.get<int64_t>("patch_size")), channels_(p.get<int64_t>("in_channels")) {
    if (size_ % patch_ != 0)
      throw std::invalid_argument("vit: patch_size " + std::to_string(patch_) + " does not divide image_size " +
                                  std::to_string(size_) + "; pick a divisor (7 or 14 for 28)");
    const int64_t width = p.get<int64_t>("width"), layers = p.get<int64_t>("layers"), patches = (size_ / patch_) * (size_ / patch_);
    patch_embed_ = register_module("patch_embed", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels_, width, patch_).stride(patch_)));
    cls_token_ = register_parameter("cls_token", torch::zeros({1, 1, width}));
    pos_embed_ = register_parameter("pos_embed", torch::zeros({1, patches + 1, width}));
    blocks_ = register_module("blocks", torch::nn::ModuleList());
    for (int64_t i = 0; i < layers; ++i) blocks_->push_back(tf::Block(width, p.get<int64_t>("heads"), p.get<double>("dropout")));
    norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
    head_ = register_module("head", torch::nn::Linear(width, p.get<int64_t>("classes")));
    tf::init_gpt2(*this, layers);
    torch::NoGradGuard no_grad;
    cls_token_.normal_(0.0, 0.02);
    pos_embed_.normal_(0.0, 0.02);
  }

  /// inputs[0]: images [N, C, H, W] (or [N, H, W] with one channel) -> class logits [N, classes],
  /// read from the class token after the last block.
  hearth::TensorList forward(const hearth::TensorList& inputs) override {
    if (inputs.empty()) throw std::invalid_argument("vit needs one input tensor");
    torch::Tensor x = inputs[0];
    if (x.dim() == 3 && channels_ == 1) x = x.unsqueeze(1);
    if (x.dim() != 4 || x.size(1) != channels_ || x.size(2) != size_ || x.size(3) != size_) {
      std::ostringstream os;
      os << "vit expects images [N, " << channels_ << ", " << size_ << ", " << size_ << "], got " << inputs[0].sizes()
         << "; set in_channels and image_size to match the dataset";
      throw std::invalid_argument(os.str());
    }
    x = patch_embed_->forward(x.to(torch::kFloat32)).flatten(2).transpose(1, 2);  // [N, patches, width]
    // expand_as, not expand(x.size(0), ...): a trace then takes any batch size.
    x = torch::cat({cls_token_.expand_as(x.narrow(1, 0, 1)), x}, 1) + pos_embed_;
    for (size_t i = 0; i < blocks_->size(); ++i) {
      x = blocks_[i]->as<tf::Block>()->forward(x, /*causal=*/false);
      tap("block" + std::to_string(i), x.select(1, 0));
    }
    return {head_->forward(norm_->forward(x).select(1, 0))};
  }

  std::vector<std::pair<std::string, std::string>> taps() const override {
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t i = 0; i < blocks_->size(); ++i)
      out.emplace_back("block" + std::to_string(i), "the class token after block " + std::to_string(i) + " [N, width]");
    return out;
  }

 private:
  int64_t size_, patch_, channels_;
  torch::nn::Conv2d patch_embed_{nullptr};
  torch::Tensor cls_token_, pos_embed_;
  torch::nn::ModuleList blocks_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
  torch::nn::Linear head_{nullptr};
};

}  // namespace

HEARTH_REGISTER(Vit, "vit", "Vision Transformer for image classification",
                "Cuts each image into patch_size x patch_size patches, embeds each with one strided\n"
                "convolution (patch_embed), puts a learned class token (cls_token) in front, adds learned\n"
                "position embeddings (pos_embed), and applies `layers` pre-LayerNorm transformer blocks\n"
                "(the same blocks as `gpt`, without the causal mask), a LayerNorm (norm) and a Linear head\n"
                "on the class token. Tap points: block0, block1, ...: the class token after each block.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
