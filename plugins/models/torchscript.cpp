// `torchscript`: loads a TorchScript file (made with torch.jit.script/trace in Python) and
// trains it. Its parameters are registered on this module, sharing storage, so the optimizer,
// checkpoints and device moves all act on the scripted model itself.
#include <hearth/plugin.hpp>
#include <torch/csrc/jit/passes/tensorexpr_fuser.h>
#include <torch/script.h>

#include <filesystem>

namespace {

class TorchScriptModel : public hearth::Model {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::string("file").file().doc("Path of the TorchScript file (.pt)")};
  }
  explicit TorchScriptModel(const hearth::Params& p) {
    std::string file = p.get<std::string>("file");
    if (!std::filesystem::exists(file))
      throw std::invalid_argument("TorchScript file " + file + " does not exist; save one with torch.jit.save in Python");
    // The JIT's TensorExpr fuser (LibTorch 2.x on CPU) never finishes some kernels it fuses (a
    // traced ViT's, as PyTorch 2.6 does too), and a hang is worse than the speed it may give: the
    // scripted model runs through the profiling executor without it, as Hearth's export check does.
    torch::jit::setTensorExprFuserEnabled(false);
    try {
      scripted_ = torch::jit::load(file);
    } catch (const c10::Error& e) {
      throw std::invalid_argument("cannot load TorchScript file " + file + ": " + e.what_without_backtrace());
    }
    for (const auto& item : scripted_.named_parameters(/*recurse=*/true)) {
      std::string name = item.name;
      std::replace(name.begin(), name.end(), '.', '_');  // nn::Module names may not hold dots
      register_parameter(name, item.value, item.value.requires_grad());
    }
    for (const auto& item : scripted_.named_buffers(/*recurse=*/true)) {
      std::string name = item.name;
      std::replace(name.begin(), name.end(), '.', '_');
      register_buffer(name, item.value);
    }
    if (parameters().empty()) hearth::log_warn("TorchScript file " + file + " has no parameters to train");
  }

  void train(bool on) override {
    hearth::Model::train(on);
    scripted_.train(on);
  }

  // The scripted module's own names: what Python's state_dict() of the same file says.
  std::vector<std::pair<std::string, torch::Tensor>> state_dict() override {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& item : scripted_.named_parameters(/*recurse=*/true)) out.emplace_back(item.name, item.value);
    for (const auto& item : scripted_.named_buffers(/*recurse=*/true)) out.emplace_back(item.name, item.value);
    return out;
  }

  bool save_script(std::ostream& out) override {
    scripted_.save(out);
    return true;
  }

  hearth::TensorList forward(const hearth::TensorList& inputs) override {
    std::vector<torch::jit::IValue> args(inputs.begin(), inputs.end());
    torch::jit::IValue out = scripted_.forward(args);
    if (out.isTensor()) return {out.toTensor()};
    hearth::TensorList outputs;
    if (out.isTuple()) {
      for (const auto& v : out.toTuple()->elements()) outputs.push_back(v.toTensor());
    } else if (out.isTensorList()) {
      for (const auto& t : out.toTensorList()) outputs.push_back(t);
    } else {
      throw std::invalid_argument("the TorchScript model must return a tensor, a tuple or a list of tensors");
    }
    return outputs;
  }

 private:
  torch::jit::Module scripted_;
};

}  // namespace

HEARTH_REGISTER(TorchScriptModel, "torchscript", "Train a TorchScript model made in Python",
                "Loads `file` with torch::jit::load and trains its parameters in place. forward() receives the\n"
                "sample's input tensors as positional arguments and may return a tensor or a tuple of them.")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
