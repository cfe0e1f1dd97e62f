// `mlp`: a multilayer perceptron over flattened inputs.
#include <hearth/plugin.hpp>

namespace {

class Mlp : public hearth::Model {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::integer("in_features", 784).min(1).doc("Features per sample after flattening (784 for 28x28)"),
        hearth::Param::integers("hidden", {256, 128}).min(1).doc("Width of each hidden layer, in order"),
        hearth::Param::integer("out_features", 10).min(1).doc("Width of the output (number of classes)"),
        hearth::Param::string("activation", "relu").choices({"relu", "tanh", "gelu", "sigmoid"}).doc(
            "Activation after each hidden layer"),
        hearth::Param::number("dropout", 0.0).range(0.0, 0.99).doc("Dropout probability after each activation"),
        hearth::Param::boolean("batch_norm", false).doc("Batch normalisation before each activation"),
    };
  }

  explicit Mlp(const hearth::Params& p)
      : in_features_(p.get<int64_t>("in_features")),
        activation_(p.get<std::string>("activation")),
        dropout_(p.get<double>("dropout")) {
    int64_t width = in_features_;
    bool batch_norm = p.get<bool>("batch_norm");
    for (int64_t h : p.get<std::vector<int64_t>>("hidden")) {
      linears_.push_back(register_module("linear" + std::to_string(linears_.size()), torch::nn::Linear(width, h)));
      if (batch_norm)
        norms_.push_back(register_module("norm" + std::to_string(norms_.size()), torch::nn::BatchNorm1d(h)));
      tap_names_.push_back("hidden" + std::to_string(tap_names_.size()));
      width = h;
    }
    output_ = register_module("output", torch::nn::Linear(width, p.get<int64_t>("out_features")));
  }

  hearth::TensorList forward(const hearth::TensorList& inputs) override {
    if (inputs.empty()) throw std::invalid_argument("mlp needs one input tensor");
    const torch::Tensor& in = inputs[0];
    if (in.dim() < 1 || in.numel() / std::max<int64_t>(in.size(0), 1) != in_features_) {
      std::ostringstream os;
      os << "mlp expects inputs of " << in_features_ << " features per sample (e.g. [N, " << in_features_
         << "]), got shape " << in.sizes() << "; set in_features to match the dataset";
      throw std::invalid_argument(os.str());
    }
    torch::Tensor x = in.reshape({-1, in_features_}).to(torch::kFloat32);
    for (size_t i = 0; i < linears_.size(); ++i) {
      x = linears_[i]->forward(x);
      if (!norms_.empty()) x = norms_[i]->forward(x);
      x = activate(x);
      tap(tap_names_[i], x);
      if (dropout_ > 0) x = torch::dropout(x, dropout_, is_training());
    }
    return {output_->forward(x)};
  }

  /// hiddenK: the activations of hidden layer K (after its activation, before dropout).
  std::vector<std::pair<std::string, std::string>> taps() const override {
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t i = 0; i < tap_names_.size(); ++i)
      out.emplace_back(tap_names_[i], "activations of hidden layer " + std::to_string(i) + " [N, " +
                                          std::to_string(linears_[i]->options.out_features()) + "]");
    return out;
  }

 private:
  torch::Tensor activate(const torch::Tensor& x) const {
    if (activation_ == "tanh") return torch::tanh(x);
    if (activation_ == "gelu") return torch::gelu(x);
    if (activation_ == "sigmoid") return torch::sigmoid(x);
    return torch::relu(x);
  }

  int64_t in_features_;
  std::string activation_;
  double dropout_;
  std::vector<torch::nn::Linear> linears_;
  std::vector<torch::nn::BatchNorm1d> norms_;
  std::vector<std::string> tap_names_;
  torch::nn::Linear output_{nullptr};
};

}  // namespace

HEARTH_REGISTER(Mlp, "mlp", "Multilayer perceptron over flattened inputs",
                "Flattens each sample to in_features values, then applies Linear layers of the given\n"
                "widths, each followed by optional batch norm, the activation and optional dropout, and\n"
                "a final Linear layer to out_features (the logits). Tap points for diagnostics: hidden0,\n"
                "hidden1, ...: the activations of each hidden layer.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
