// `resnet`: a small ResNet (basic blocks, three stages) for 28x28 or 32x32 images.
#include <hearth/plugin.hpp>

namespace {

struct BasicBlockImpl : torch::nn::Module {
  BasicBlockImpl(int64_t in, int64_t out, int64_t stride) {
    conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(out));
    conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, 3).padding(1).bias(false)));
    bn2 = register_module("bn2", torch::nn::BatchNorm2d(out));
    if (stride != 1 || in != out) {
      shortcut = register_module("shortcut", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)));
      shortcut_bn = register_module("shortcut_bn", torch::nn::BatchNorm2d(out));
    }
  }
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = torch::relu(bn1->forward(conv1->forward(x)));
    y = bn2->forward(conv2->forward(y));
    return torch::relu(y + (shortcut ? shortcut_bn->forward(shortcut->forward(x)) : x));
  }
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, shortcut{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, shortcut_bn{nullptr};
};
TORCH_MODULE(BasicBlock);

class ResNet : public hearth::Model {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::integer("in_channels", 1).min(1).doc("Channels of the input images"),
            hearth::Param::integer("depth", 2).range(1, 16).doc("Basic blocks per stage (three stages)"),
            hearth::Param::integer("width", 16).min(1).doc("Channels of the first stage; doubled at each next stage"),
            hearth::Param::integer("classes", 10).min(1).doc("Number of classes (outputs)")};
  }
  explicit ResNet(const hearth::Params& p) : in_channels_(p.get<int64_t>("in_channels")) {
    int64_t w = p.get<int64_t>("width");
    stem_ = register_module("stem", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels_, w, 3).padding(1).bias(false)));
    stem_bn_ = register_module("stem_bn", torch::nn::BatchNorm2d(w));
    blocks_ = register_module("blocks", torch::nn::Sequential());
    int64_t in = w;
    for (int stage = 0; stage < 3; ++stage) {
      int64_t out = w << stage;
      for (int64_t b = 0; b < p.get<int64_t>("depth"); ++b) {
        blocks_->push_back(BasicBlock(in, out, (b == 0 && stage > 0) ? 2 : 1));
        in = out;
      }
    }
    fc_ = register_module("fc", torch::nn::Linear(in, p.get<int64_t>("classes")));
  }
  hearth::TensorList forward(const hearth::TensorList& inputs) override {
    torch::Tensor x = inputs.at(0);
    if (x.dim() == 3 && in_channels_ == 1) x = x.unsqueeze(1);
    if (x.dim() != 4 || x.size(1) != in_channels_) {
      std::ostringstream os;
      os << "resnet expects images [N, " << in_channels_ << ", H, W], got " << x.sizes() << "; set in_channels";
      throw std::invalid_argument(os.str());
    }
    x = torch::relu(stem_bn_->forward(stem_->forward(x.to(torch::kFloat32))));
    x = blocks_->forward(x);
    return {fc_->forward(torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1))};
  }

 private:
  int64_t in_channels_;
  torch::nn::Conv2d stem_{nullptr};
  torch::nn::BatchNorm2d stem_bn_{nullptr};
  torch::nn::Sequential blocks_{nullptr};
  torch::nn::Linear fc_{nullptr};
};

}  // namespace

HEARTH_REGISTER(ResNet, "resnet", "A small ResNet for 28x28 and 32x32 images",
                "A 3x3 stem, three stages of `depth` basic blocks (width, 2 width, 4 width channels; stride 2\n"
                "between stages), global average pooling and a Linear classifier.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
