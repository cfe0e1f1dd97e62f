#include "engine/jobs/model_graph.hpp"

#include <torch/csrc/autograd/functions/accumulate_grad.h>
#include <torch/torch.h>

#include <map>
#include <set>
#include <sstream>

#include "engine/core/error.hpp"

namespace hearth {
namespace {

using torch::autograd::Node;

std::string shape_text(at::IntArrayRef sizes) {
  std::ostringstream os;
  os << sizes;
  return os.str();
}

/// The forward output `index` of `node` (its gradient input), as a shape.
std::string output_shape(const Node& node, uint32_t index) {
  try {
    if (index < node.num_inputs()) return shape_text(node.input_metadata(index).zeros_like().sizes());
  } catch (const std::exception&) {
  }
  return "";
}

std::string op_name(const Node& node) {
  std::string n = node.name();
  auto cut = n.rfind("Backward");
  if (cut != std::string::npos && cut > 0) n = n.substr(0, cut);
  auto colon = n.rfind("::");
  return colon == std::string::npos ? n : n.substr(colon + 2);
}

/// Operations that only change how a module's result is viewed: LibTorch's linear on [B, T, F]
/// folds the input to 2-D, multiplies, and views the result back, so the module's output is the
/// view's, not the multiplication's.
bool reshapes_only(const std::string& op) {
  return op == "View" || op == "UnsafeView" || op == "Reshape" || op == "ReshapeAlias" || op == "Alias" || op == "Unsqueeze" ||
         op == "Squeeze";
}

/// Gives a parameter-free reshaping node a module, along chains, so that a module's box holds
/// its output's final view: the module of the one node it feeds when that has one (the fold of a
/// [B, T, F] input to 2-D belongs to the Linear that multiplies it), else the module of the node
/// it reshapes (the view back to [B, T, out] ends that Linear).
void extend_modules_over_views(GraphPicture& g, std::map<std::string, std::string>& node_module) {
  std::map<std::string, std::vector<std::string>> producers, consumers;
  for (const GraphEdge& e : g.edges) {
    producers[e.to].push_back(e.from);
    consumers[e.from].push_back(e.to);
  }
  auto module_of_single = [&](const std::vector<std::string>& ids) -> std::string {
    if (ids.size() != 1) return "";
    auto it = node_module.find(ids[0]);
    return it == node_module.end() ? "" : it->second;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (GraphNode& n : g.nodes) {
      auto own = node_module.find(n.id);
      if (own == node_module.end() || !own->second.empty() || !reshapes_only(n.label)) continue;
      std::string module = module_of_single(consumers[n.id]);
      if (module.empty()) module = module_of_single(producers[n.id]);
      if (module.empty()) continue;
      own->second = module;
      n.module = module;
      changed = true;
    }
  }
}

std::string module_of(const std::string& parameter) {
  auto dot = parameter.rfind('.');
  return dot == std::string::npos ? "(model)" : parameter.substr(0, dot);
}

}  // namespace

std::string model_title(const Job& job) {
  return "model " + job.model.entry->pack + ":" + job.model.entry->info.name + " of job " + job.name();
}

std::vector<at::Tensor> example_inputs(const DatasetModule& data, int64_t n) {
  int64_t available = data.size(HEARTH_SPLIT_TRAIN);
  if (available == 0) throw UsageError(data.module().label() + ": the train split is empty; nothing to run the model on");
  std::vector<std::vector<at::Tensor>> columns;
  for (int64_t i = 0; i < std::min(n, available); ++i) {
    std::vector<at::Tensor> sample = data.get(HEARTH_SPLIT_TRAIN, i);
    size_t k = 0;
    for (size_t slot = 0; slot < sample.size(); ++slot) {
      if (data.tensor_roles()[slot] != HEARTH_ROLE_INPUT) continue;
      if (columns.size() <= k) columns.emplace_back();
      columns[k++].push_back(sample[slot]);
    }
  }
  std::vector<at::Tensor> out;
  for (const auto& c : columns) out.push_back(torch::stack(c));
  return out;
}

namespace {

/// The model's parameters by tensor, and its modules in order with their parameter counts.
struct ParameterIndex {
  std::map<const c10::TensorImpl*, std::string> names;
  std::vector<std::string> module_order;
  std::map<std::string, int64_t> module_params;
  int64_t total = 0;
};

ParameterIndex index_parameters(ModelModule& model) {
  ParameterIndex index;
  for (auto& [name, p] : model.named_parameters()) {
    index.names[p.unsafeGetTensorImpl()] = name;
    std::string m = module_of(name);
    if (!index.module_params.count(m)) index.module_order.push_back(m);
    index.module_params[m] += p.numel();
    index.total += p.numel();
  }
  return index;
}

/// One forward pass in evaluation mode with gradients recorded; `input_names` names the leaves.
std::vector<at::Tensor> traced_forward(ModelModule& model, const std::vector<at::Tensor>& inputs,
                                       std::map<const c10::TensorImpl*, std::string>& input_names) {
  // Inputs that require grad appear in the graph as leaves, so the picture starts at them.
  std::vector<at::Tensor> leaves;
  for (size_t i = 0; i < inputs.size(); ++i) {
    at::Tensor t = inputs[i].detach().clone();
    if (t.is_floating_point()) t.requires_grad_(true);
    input_names[t.unsafeGetTensorImpl()] = "input " + std::to_string(i);
    leaves.push_back(t);
  }
  model.train(false);
  torch::AutoGradMode grad(true);
  return model.forward(leaves);
}

/// The parameter `node` accumulates into, or that it only transposes, reshapes or casts (the
/// transpose of a weight that LibTorch's linear on [B, T, F] multiplies by): its name, or "" for any other node. The
/// operation taking such an input belongs to that parameter's module.
std::string parameter_behind(const Node* node, const ParameterIndex& index) {
  if (node == nullptr) return "";
  if (auto* acc = dynamic_cast<const torch::autograd::AccumulateGrad*>(node)) {
    auto p = index.names.find(acc->variable.unsafeGetTensorImpl());
    return p == index.names.end() ? "" : p->second;
  }
  const std::string op = op_name(*node);
  const bool transforms_only = reshapes_only(op) || op == "T" || op == "Transpose" || op == "Permute" || op == "Expand" ||
                               op == "ToCopy";  // autocast's cast of a weight
  if (!transforms_only || node->next_edges().size() != 1) return "";
  if (auto* acc = dynamic_cast<const torch::autograd::AccumulateGrad*>(node->next_edges()[0].function.get())) {
    auto p = index.names.find(acc->variable.unsafeGetTensorImpl());
    return p == index.names.end() ? "" : p->second;
  }
  return "";
}

/// Each module's output, the shape on an edge that leaves its box, into g.modules.
void add_modules(GraphPicture& g, const ParameterIndex& index, const std::map<std::string, std::string>& node_module) {
  std::map<std::string, std::string> module_output;
  for (const GraphEdge& e : g.edges) {
    auto from = node_module.find(e.from);
    if (from == node_module.end() || from->second.empty()) continue;
    auto to = node_module.find(e.to);
    if (to == node_module.end() || to->second != from->second) module_output[from->second] = e.label;
  }
  for (const std::string& m : index.module_order) g.modules.push_back({m, module_output[m], index.module_params.at(m)});
}

}  // namespace

GraphPicture trace_model_graph(ModelModule& model, const std::vector<at::Tensor>& inputs, const std::string& title) {
  GraphPicture g;
  const ParameterIndex index = index_parameters(model);
  g.total_parameters = index.total;
  std::map<const c10::TensorImpl*, std::string> input_names;
  const std::vector<at::Tensor> outputs = traced_forward(model, inputs, input_names);

  // Walk autograd's graph back from the outputs: an operation is a node, in the module whose
  // parameters it takes.
  std::map<const Node*, std::string> ids;
  std::map<std::string, std::string> node_module;
  std::vector<std::shared_ptr<Node>> queue;
  auto id_of = [&](const std::shared_ptr<Node>& n) {
    auto it = ids.find(n.get());
    if (it != ids.end()) return it->second;
    std::string id = "n" + std::to_string(ids.size());
    ids[n.get()] = id;
    queue.push_back(n);
    return id;
  };
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::string out_id = "output" + std::to_string(i);
    g.nodes.push_back({out_id, "output " + std::to_string(i) + "\n" + shape_text(outputs[i].sizes()), "output", ""});
    if (!outputs[i].grad_fn()) continue;
    g.edges.push_back({id_of(outputs[i].grad_fn()), out_id, shape_text(outputs[i].sizes())});
  }
  if (queue.empty())
    throw Error("the model's outputs do not depend on any parameter or input: there is no graph to draw");
  std::set<std::string> parameter_nodes;
  for (size_t q = 0; q < queue.size(); ++q) {
    std::shared_ptr<Node> n = queue[q];
    std::string id = ids[n.get()];
    if (auto* acc = dynamic_cast<torch::autograd::AccumulateGrad*>(n.get())) {
      // Parameters are not drawn as nodes: their module's box says how many there are.
      if (auto in = input_names.find(acc->variable.unsafeGetTensorImpl()); in != input_names.end())
        g.nodes.push_back({id, in->second + "\n" + shape_text(acc->variable.sizes()), "input", ""});
      else
        parameter_nodes.insert(id);
      continue;
    }
    std::string module;
    for (const auto& e : n->next_edges())
      if (std::string p = parameter_behind(e.function.get(), index); !p.empty()) module = module_of(p);
    std::string op = op_name(*n);
    g.nodes.push_back({id, op, op_kind(op), module});
    node_module[id] = module;
    for (const auto& e : n->next_edges())
      if (e.function) g.edges.push_back({id_of(e.function), id, output_shape(*e.function, e.input_nr)});
  }
  // Drop the edges from parameters (not drawn).
  g.edges.erase(std::remove_if(g.edges.begin(), g.edges.end(), [&](const GraphEdge& e) { return parameter_nodes.count(e.from) > 0; }),
                g.edges.end());
  extend_modules_over_views(g, node_module);
  add_modules(g, index, node_module);
  g.title = title;
  return g;
}

}  // namespace hearth
