// Models that test what exports do with what they cannot see: a forward whose trace differs
// from the model on other inputs, a model that says it cannot be traced, a model whose
// function table is the size of plugin ABI 1.3 (no state, traceable or save_script entries), and
// one with an operator PyTorch's ONNX exporter has no conversion for.
#include <hearth/plugin.hpp>

#include <cstddef>

namespace {

/// A linear model whose forward branches on its batch size: a trace on a batch of 2 records one
/// branch and is wrong for every other batch size.
class BranchingModel : public hearth::Model {
 public:
  static hearth::Schema schema() { return {hearth::Param::integer("features", 8).min(1), hearth::Param::integer("classes", 3).min(1)}; }
  explicit BranchingModel(const hearth::Params& p) {
    linear_ = register_module("linear", torch::nn::Linear(p.get<int64_t>("features"), p.get<int64_t>("classes")));
  }
  hearth::TensorList forward(const hearth::TensorList& inputs) override {
    torch::Tensor y = linear_->forward(inputs.at(0).flatten(1).to(torch::kFloat32));
    return {inputs.at(0).size(0) == 2 ? y : -y};
  }

 private:
  torch::nn::Linear linear_{nullptr};
};

/// The same, honest about it.
class UntraceableModel : public BranchingModel {
 public:
  using BranchingModel::BranchingModel;
  bool traceable() const override { return false; }
};

/// Linear layer and batch norm (parameters and buffers), exported through the ABI 1.3 table.
class OldAbiModel : public hearth::Model {
 public:
  static hearth::Schema schema() { return {hearth::Param::integer("features", 8).min(1), hearth::Param::integer("classes", 3).min(1)}; }
  explicit OldAbiModel(const hearth::Params& p) {
    linear_ = register_module("linear", torch::nn::Linear(p.get<int64_t>("features"), p.get<int64_t>("classes")));
    norm_ = register_module("norm", torch::nn::BatchNorm1d(p.get<int64_t>("classes")));
  }
  hearth::TensorList forward(const hearth::TensorList& inputs) override {
    return {norm_->forward(linear_->forward(inputs.at(0).flatten(1).to(torch::kFloat32)))};
  }

 private:
  torch::nn::Linear linear_{nullptr};
  torch::nn::BatchNorm1d norm_{nullptr};
};

/// A linear model that adds a histogram's total (aten::histc: ONNX has no histogram operator) times
/// zero: it trains, traces and saves as any linear model, and its ONNX export fails.
class HistogramModel : public hearth::Model {
 public:
  static hearth::Schema schema() { return {hearth::Param::integer("features", 8).min(1), hearth::Param::integer("classes", 3).min(1)}; }
  explicit HistogramModel(const hearth::Params& p) {
    linear_ = register_module("linear", torch::nn::Linear(p.get<int64_t>("features"), p.get<int64_t>("classes")));
  }
  hearth::TensorList forward(const hearth::TensorList& inputs) override {
    torch::Tensor y = linear_->forward(inputs.at(0).flatten(1).to(torch::kFloat32));
    return {y + torch::histc(y.detach(), 3).sum() * 0};
  }

 private:
  torch::nn::Linear linear_{nullptr};
};

}  // namespace

HEARTH_REGISTER(HistogramModel, "histogram", "Linear model with an operator ONNX cannot express", "")
HEARTH_REGISTER(BranchingModel, "branching", "Linear model whose forward branches on its batch size", "")
HEARTH_REGISTER(UntraceableModel, "untraceable", "Linear model that says it cannot be traced", "")
HEARTH_REGISTER(OldAbiModel, "old_abi", "Linear model with batch norm behind an ABI 1.3 function table", "")

namespace {

/// The registered table of old_abi, cut to the size a 1.3 plugin hands over.
const bool old_table_cut = [] {
  static hearth_model_functions table;
  for (auto& r : hearth::detail::registrations())
    if (r.name == "old_abi") {
      table = *static_cast<const hearth_model_functions*>(r.descriptor.functions);
      table.struct_size = offsetof(hearth_model_functions, state);
      r.descriptor.functions = &table;
    }
  return true;
}();

}  // namespace

HEARTH_PACK("export_test_models", "1.0.0")
