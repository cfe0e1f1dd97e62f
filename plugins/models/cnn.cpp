// `cnn`: two convolution blocks (conv, batch norm, ReLU, max pool) and a small classifier.
#include <hearth/plugin.hpp>

namespace {

class Cnn : public hearth::Model {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::integer("in_channels", 1).min(1).doc("Channels of the input images"),
            hearth::Param::integer("input_size", 28).min(4).doc("Height and width of the (square) inputs"),
            hearth::Param::integers("channels", {16, 32}).min(1).doc("Channels of the two convolution blocks"),
            hearth::Param::integer("hidden", 48).min(1).doc("Width of the hidden fully connected layer"),
            hearth::Param::integer("classes", 10).min(1).doc("Number of classes (outputs)"),
            hearth::Param::number("dropout", 0.25).range(0, 0.99).doc("Dropout before the last layer")};
  }
  explicit Cnn(const hearth::Params& p)
      : in_channels_(p.get<int64_t>("in_channels")), size_(p.get<int64_t>("input_size")), dropout_(p.get<double>("dropout")) {
    auto ch = p.get<std::vector<int64_t>>("channels");
    if (ch.size() != 2) throw std::invalid_argument("cnn: channels must list exactly two widths, e.g. [16, 32]");
    conv1_ = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels_, ch[0], 3).padding(1)));
    bn1_ = register_module("bn1", torch::nn::BatchNorm2d(ch[0]));
    conv2_ = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(ch[0], ch[1], 3).padding(1)));
    bn2_ = register_module("bn2", torch::nn::BatchNorm2d(ch[1]));
    int64_t side = size_ / 4;
    fc1_ = register_module("fc1", torch::nn::Linear(ch[1] * side * side, p.get<int64_t>("hidden")));
    fc2_ = register_module("fc2", torch::nn::Linear(p.get<int64_t>("hidden"), p.get<int64_t>("classes")));
  }

  hearth::TensorList forward(const hearth::TensorList& inputs) override {
    torch::Tensor x = inputs.at(0);
    if (x.dim() == 3 && in_channels_ == 1) x = x.unsqueeze(1);
    if (x.dim() != 4 || x.size(1) != in_channels_ || x.size(2) != size_ || x.size(3) != size_) {
      std::ostringstream os;
      os << "cnn expects images [N, " << in_channels_ << ", " << size_ << ", " << size_ << "], got " << x.sizes()
         << "; set in_channels and input_size to match the dataset";
      throw std::invalid_argument(os.str());
    }
    // Every size of the pooling spelt out: PyTorch's ONNX exporter copies a one-element list as it
    // is, and onnx.checker refuses a 2-D MaxPool with one kernel size.
    x = torch::max_pool2d(torch::relu(bn1_->forward(conv1_->forward(x.to(torch::kFloat32)))), {2, 2}, {2, 2}, {0, 0}, {1, 1});
    tap("block1", x);
    x = torch::max_pool2d(torch::relu(bn2_->forward(conv2_->forward(x))), {2, 2}, {2, 2}, {0, 0}, {1, 1});
    tap("block2", x);
    x = torch::relu(fc1_->forward(x.flatten(1)));
    tap("hidden", x);
    x = torch::dropout(x, dropout_, is_training());
    return {fc2_->forward(x)};
  }

  std::vector<std::pair<std::string, std::string>> taps() const override {
    return {{"block1", "the first conv block's output (after pooling)"},
            {"block2", "the second conv block's output (after pooling)"},
            {"hidden", "the hidden Linear layer's activations (before dropout)"}};
  }

 private:
  int64_t in_channels_, size_;
  double dropout_;
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
};

}  // namespace

HEARTH_REGISTER(Cnn, "cnn", "Two conv blocks and a classifier for small images (under 100K parameters)",
                "conv3x3 - batch norm - ReLU - max pool 2, twice, then a hidden Linear layer with ReLU and\n"
                "dropout, and the output layer. With the defaults on 28x28 images: about 81K parameters. Tap\n"
                "points for diagnostics: block1, block2 (each conv block's output), hidden.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
