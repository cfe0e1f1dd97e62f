// The U-Net of the `unet1d` and `unet2d` models, for signals [N, C, L] and images [N, C, H, W]:
// one template over the spatial dimensions, registered once per file (unet1d.cpp, unet2d.cpp) so
// that a change to one model's file recompiles only its own instantiation.
#pragma once

#include <hearth/plugin.hpp>

namespace hearth_builtin {

template <int D>
struct Ops;
template <>
struct Ops<1> {
  using Conv = torch::nn::Conv1d;
  using ConvOptions = torch::nn::Conv1dOptions;
  using Norm = torch::nn::BatchNorm1d;
  using Up = torch::nn::ConvTranspose1d;
  using UpOptions = torch::nn::ConvTranspose1dOptions;
  static torch::Tensor pool(const torch::Tensor& x) { return torch::max_pool1d(x, 2); }
  static constexpr const char* name = "unet1d";
  static constexpr const char* layout = "[N, C, L]";
};
template <>
struct Ops<2> {
  using Conv = torch::nn::Conv2d;
  using ConvOptions = torch::nn::Conv2dOptions;
  using Norm = torch::nn::BatchNorm2d;
  using Up = torch::nn::ConvTranspose2d;
  using UpOptions = torch::nn::ConvTranspose2dOptions;
  static torch::Tensor pool(const torch::Tensor& x) { return torch::max_pool2d(x, {2, 2}, {2, 2}, {0, 0}, {1, 1}); }
  static constexpr const char* name = "unet2d";
  static constexpr const char* layout = "[N, C, H, W]";
};

template <int D>
class UNet : public hearth::Model {
  using O = Ops<D>;

 public:
  static hearth::Schema schema() {
    return {hearth::Param::integer("in_channels", 1).min(1).doc("Channels of the input"),
            hearth::Param::integer("out_channels", 1).min(1).doc("Channels of the output (per-element classes or values)"),
            hearth::Param::integer("depth", 3).range(1, 8).doc("Down-sampling steps; sizes must divide by 2^depth"),
            hearth::Param::integer("width", 16).min(1).doc("Channels at the top level; doubled at each level down"),
            hearth::Param::integer("convs_per_block", 2).range(1, 8).doc("Convolutions in each block"),
            hearth::Param::integer("kernel_size", 3).range(1, 15).doc("Odd kernel size of the convolutions"),
            hearth::Param::boolean("batch_norm", true).doc("Batch normalisation after each convolution")};
  }
  explicit UNet(const hearth::Params& p)
      : in_channels_(p.get<int64_t>("in_channels")),
        depth_(p.get<int64_t>("depth")),
        convs_(p.get<int64_t>("convs_per_block")),
        kernel_(p.get<int64_t>("kernel_size")),
        norm_(p.get<bool>("batch_norm")) {
    if (kernel_ % 2 == 0) throw std::invalid_argument(std::string(O::name) + ": kernel_size must be odd");
    int64_t w = p.get<int64_t>("width");
    down_ = register_module("down", torch::nn::ModuleList());
    ups_ = register_module("ups", torch::nn::ModuleList());
    up_blocks_ = register_module("up_blocks", torch::nn::ModuleList());
    int64_t in = in_channels_;
    for (int64_t level = 0; level <= depth_; ++level) {
      down_->push_back(block(in, w << level));
      in = w << level;
    }
    for (int64_t level = depth_ - 1; level >= 0; --level) {
      ups_->push_back(typename O::Up(typename O::UpOptions(w << (level + 1), w << level, 2).stride(2)));
      up_blocks_->push_back(block(w << (level + 1), w << level));
    }
    head_ = register_module("head", typename O::Conv(typename O::ConvOptions(w, p.get<int64_t>("out_channels"), 1)));
  }

  hearth::TensorList forward(const hearth::TensorList& inputs) override {
    torch::Tensor x = inputs.at(0).to(torch::kFloat32);
    bool ok = x.dim() == D + 2 && x.size(1) == in_channels_;
    for (int d = 0; ok && d < D; ++d) ok = x.size(2 + d) % (int64_t{1} << depth_) == 0;
    if (!ok) {
      std::ostringstream os;
      os << O::name << " expects " << O::layout << " with C = " << in_channels_ << " and sizes divisible by "
         << (int64_t{1} << depth_) << ", got " << x.sizes();
      throw std::invalid_argument(os.str());
    }
    std::vector<torch::Tensor> skips;
    for (int64_t level = 0; level <= depth_; ++level) {
      x = down_->ptr<torch::nn::SequentialImpl>(level)->forward(x);
      if (level < depth_) {
        skips.push_back(x);
        x = O::pool(x);
      }
    }
    for (int64_t i = 0; i < depth_; ++i) {
      x = ups_->ptr<typename O::Up::Impl>(i)->forward(x);
      x = torch::cat({x, skips[static_cast<size_t>(depth_ - 1 - i)]}, 1);
      x = up_blocks_->ptr<torch::nn::SequentialImpl>(i)->forward(x);
    }
    return {head_->forward(x)};
  }

 private:
  torch::nn::Sequential block(int64_t in, int64_t out) {
    torch::nn::Sequential s;
    for (int64_t c = 0; c < convs_; ++c) {
      s->push_back(typename O::Conv(typename O::ConvOptions(c ? out : in, out, kernel_).padding(kernel_ / 2)));
      if (norm_) s->push_back(typename O::Norm(out));
      s->push_back(torch::nn::ReLU());
    }
    return s;
  }

  int64_t in_channels_, depth_, convs_, kernel_;
  bool norm_;
  torch::nn::ModuleList down_{nullptr}, ups_{nullptr}, up_blocks_{nullptr};
  typename O::Conv head_{nullptr};
};

}  // namespace hearth_builtin
