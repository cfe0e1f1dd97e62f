#include "engine/export/model_trace.hpp"

#include <ATen/core/jit_type.h>
#include <torch/csrc/jit/api/compilation_unit.h>
#include <torch/csrc/jit/frontend/tracer.h>

#include <cctype>
#include <map>
#include <memory>

#include "engine/core/error.hpp"

namespace hearth {
namespace {

namespace jit = torch::jit;

/// The submodule at `path` ("layers.0") below `root`, made on first use. Every module gets the
/// `training` attribute TorchScript's train()/eval() set.
jit::Module& submodule(jit::Module& root, std::map<std::string, jit::Module>& made, const std::string& path,
                       const std::shared_ptr<jit::CompilationUnit>& cu) {
  if (path.empty()) return root;
  if (auto it = made.find(path); it != made.end()) return it->second;
  const size_t dot = path.rfind('.');
  const std::string parent_path = dot == std::string::npos ? "" : path.substr(0, dot);
  const std::string name = dot == std::string::npos ? path : path.substr(dot + 1);
  jit::Module& parent = submodule(root, made, parent_path, cu);
  jit::Module child(c10::QualifiedName("__torch__.hearth." + identifier_of(name)), cu, /*shouldMangle=*/true);
  child.register_attribute("training", c10::BoolType::get(), false);
  parent.register_module(name, child);
  return made.emplace(path, child).first->second;
}

/// A module holding the model's own tensors (the very TensorImpls forward uses, so that the
/// tracer records reads of them as attribute accesses rather than constants).
jit::Module module_of_state(const NamedTensors& state, const std::string& class_name) {
  auto cu = std::make_shared<jit::CompilationUnit>();
  jit::Module root(c10::QualifiedName("__torch__.hearth." + class_name), cu, /*shouldMangle=*/true);
  root.register_attribute("training", c10::BoolType::get(), false);
  std::map<std::string, jit::Module> made;
  for (const auto& [name, tensor] : state) {
    const size_t dot = name.rfind('.');
    jit::Module& owner = submodule(root, made, dot == std::string::npos ? "" : name.substr(0, dot), cu);
    const std::string leaf = dot == std::string::npos ? name : name.substr(dot + 1);
    // Parameters are what require grad; the rest (running statistics, counters) are buffers.
    owner.register_parameter(leaf, tensor, /*is_buffer=*/!tensor.requires_grad());
  }
  return root;
}

c10::IValue outputs_value(const std::vector<at::Tensor>& outputs) {
  if (outputs.size() == 1) return outputs[0];
  std::vector<c10::IValue> items(outputs.begin(), outputs.end());
  return c10::ivalue::Tuple::create(std::move(items));
}

}  // namespace

std::string identifier_of(const std::string& name) {
  std::string out;
  for (unsigned char c : name) out += std::isalnum(c) || c == '_' ? static_cast<char>(c) : '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "_" + out;
  return out;
}

jit::Module trace_model(ModelModule& model, const std::vector<at::Tensor>& example,
                        const std::vector<std::string>& input_names) {
  jit::Module module = module_of_state(model.state(), identifier_of(model.module().info->name));
  jit::Stack inputs(example.begin(), example.end());
  std::vector<std::string> names;
  for (const std::string& n : input_names) names.push_back(identifier_of(n));
  std::shared_ptr<jit::Graph> graph;
  try {
    auto traced = jit::tracer::trace(
        std::move(inputs),
        [&](jit::Stack in) -> jit::Stack {
          std::vector<at::Tensor> tensors;
          for (const c10::IValue& v : in) tensors.push_back(v.toTensor());
          return {outputs_value(model.forward(tensors))};
        },
        [](const at::Tensor&) { return std::string(); }, /*strict=*/true, /*force_outplace=*/false, &module, names);
    graph = traced.first->graph;
  } catch (const PluginError&) {
    jit::tracer::abandon();
    throw;
  } catch (const std::exception& e) {
    jit::tracer::abandon();
    throw Error(model.module().label() + ": tracing forward failed: " + e.what());
  }
  const c10::QualifiedName method(*module.type()->name(), "forward");
  jit::Function* fn = module._ivalue()->compilation_unit()->create_function(method, graph);
  module.type()->addMethod(fn);
  return module;
}

}  // namespace hearth
