#include "engine/plots/graph_picture.hpp"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "engine/core/error.hpp"

namespace hearth {
namespace {

bool has(const std::string& s, std::initializer_list<const char*> words) {
  for (const char* w : words)
    if (s.find(w) != std::string::npos) return true;
  return false;
}

const char* fill_of(const std::string& kind) {
  static const std::map<std::string, const char*> colours = {
      {"linear", "#9ecae1"},        {"convolution", "#6baed6"}, {"normalization", "#c7e9c0"},
      {"activation", "#fdd0a2"},    {"pooling", "#dadaeb"},     {"dropout", "#f0f0f0"},
      {"shape", "#ffffff"},         {"arithmetic", "#fee391"},  {"reduction", "#fcbba1"},
      {"input", "#74c476"},         {"output", "#fb6a4a"},      {"other", "#e0e0e0"}};
  auto it = colours.find(kind);
  return it == colours.end() ? "#e0e0e0" : it->second;
}

std::string with_commas(int64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

/// cgraph takes char*; these strings outlive the calls.
char* c(const std::string& s) { return const_cast<char*>(s.c_str()); }

}  // namespace

std::string op_kind(const std::string& op) {
  if (op == "input" || op == "output") return op;
  if (op == "T") return "shape";  // the transpose of a Linear's weight
  if (has(op, {"Convolution", "Conv", "SlowConv", "Mkldnn"})) return "convolution";
  if (has(op, {"Addmm", "Mm", "Mv", "Bmm", "Matmul", "Linear", "Baddbmm", "Addmv"})) return "linear";
  if (has(op, {"BatchNorm", "LayerNorm", "GroupNorm", "InstanceNorm", "NormBackward"})) return "normalization";
  if (has(op, {"Relu", "Gelu", "Sigmoid", "Tanh", "Softmax", "Elu", "Silu", "Hardtanh", "Hardswish", "Mish", "Threshold",
               "Softplus", "LeakyRelu", "Prelu"}))
    return "activation";
  if (has(op, {"Pool", "pool"})) return "pooling";
  if (has(op, {"Dropout", "dropout"})) return "dropout";
  if (has(op, {"View", "Reshape", "Permute", "Transpose", "TBackward", "Expand", "Squeeze", "Unsqueeze", "Cat", "Stack",
               "Slice", "Select", "Split", "Index", "Flatten", "Clone", "ToCopy", "Unbind", "Repeat", "Pad", "Upsample",
               "Narrow"}))
    return "shape";
  if (has(op, {"Sum", "Mean", "Max", "Min", "Norm", "Prod", "Std", "Var"})) return "reduction";
  if (has(op, {"Add", "Sub", "Mul", "Div", "Pow", "Exp", "Log", "Sqrt", "Neg", "Abs", "Clamp", "Rsub", "Reciprocal"}))
    return "arithmetic";
  return "other";
}

void write_graph_picture(const GraphPicture& graph, const std::filesystem::path& out) {
  std::string ext = out.extension().string();
  if (ext != ".svg" && ext != ".png") throw UsageError("cannot write " + out.string() + ": graphs are written as .svg or .png");
  GVC_t* gvc = gvContext();
  Agraph_t* g = agopen(c("model"), Agdirected, nullptr);
  agattr(g, AGRAPH, c("rankdir"), c("TB"));
  agattr(g, AGRAPH, c("fontname"), c("DejaVu Sans"));
  agattr(g, AGRAPH, c("label"), c(graph.title));
  agattr(g, AGRAPH, c("labelloc"), c("t"));
  agattr(g, AGRAPH, c("fontsize"), c("16"));
  agattr(g, AGRAPH, c("style"), c("rounded"));
  agattr(g, AGRAPH, c("color"), c("#888888"));
  agattr(g, AGNODE, c("shape"), c("box"));
  agattr(g, AGNODE, c("style"), c("rounded,filled"));
  agattr(g, AGNODE, c("fontname"), c("DejaVu Sans"));
  agattr(g, AGNODE, c("fontsize"), c("11"));
  agattr(g, AGNODE, c("fillcolor"), c("#e0e0e0"));
  Agsym_t* node_label = agattr(g, AGNODE, c("label"), c(""));
  agattr(g, AGEDGE, c("fontname"), c("DejaVu Sans"));
  agattr(g, AGEDGE, c("fontsize"), c("9"));
  agattr(g, AGEDGE, c("label"), c(""));
  agattr(g, AGEDGE, c("color"), c("#555555"));

  std::map<std::string, Agraph_t*> clusters;
  std::map<std::string, const GraphModule*> module_of;
  for (const GraphModule& m : graph.modules) module_of[m.name] = &m;
  std::map<std::string, Agnode_t*> nodes;
  for (const GraphNode& n : graph.nodes) {
    Agraph_t* parent = g;
    if (!n.module.empty()) {
      Agraph_t*& cl = clusters[n.module];
      if (cl == nullptr) {
        cl = agsubg(g, c("cluster_" + std::to_string(clusters.size())), 1);
        auto it = module_of.find(n.module);
        std::string label = n.module + (it != module_of.end() ? "  (" + with_commas(it->second->parameters) + " parameters)" : "");
        agsafeset(cl, c("label"), c(label), c(""));
        agsafeset(cl, c("fontsize"), c("11"), c(""));
      }
      parent = cl;
    }
    Agnode_t* node = agnode(parent, c(n.id), 1);
    agsafeset(node, c("label"), c(n.label), c(""));
    agsafeset(node, c("fillcolor"), c(fill_of(n.kind)), c(""));
    if (n.kind == "input" || n.kind == "output") agsafeset(node, c("shape"), c("ellipse"), c(""));
    nodes[n.id] = node;
  }
  for (const GraphEdge& e : graph.edges) {
    auto a = nodes.find(e.from), b = nodes.find(e.to);
    if (a == nodes.end() || b == nodes.end()) continue;
    Agedge_t* edge = agedge(g, a->second, b->second, nullptr, 1);
    agsafeset(edge, c("label"), c(" " + e.label), c(""));
  }
  // A legend of the kinds of operation present.
  std::vector<std::string> kinds;
  for (const GraphNode& n : graph.nodes)
    if (std::find(kinds.begin(), kinds.end(), n.kind) == kinds.end()) kinds.push_back(n.kind);
  std::ostringstream legend;
  legend << "<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"4\"><TR><TD COLSPAN=\"1\"><B>kind of operation</B></TD></TR>";
  for (const std::string& k : kinds) legend << "<TR><TD BGCOLOR=\"" << fill_of(k) << "\">" << k << "</TD></TR>";
  legend << "</TABLE>";
  Agnode_t* key = agnode(g, c("legend"), 1);
  agsafeset(key, c("shape"), c("plain"), c(""));
  agsafeset(key, c("style"), c(""), c(""));
  std::string html = legend.str();
  char* html_label = agstrdup_html(g, c(html));  // an HTML-like label, not text
  agxset(key, node_label, html_label);
  agstrfree(g, html_label);

  std::filesystem::path tmp = out;
  tmp += ".tmp";
  int failed = gvLayout(gvc, g, "dot");
  if (!failed) failed = gvRenderFilename(gvc, g, ext == ".svg" ? "svg" : "png:cairo", tmp.c_str());
  if (!failed) gvFreeLayout(gvc, g);
  agclose(g);
  gvFreeContext(gvc);
  std::error_code ec;
  if (failed) {
    std::filesystem::remove(tmp, ec);
    throw Error("cannot write " + out.string() + ": Graphviz failed to lay out or render the graph");
  }
  std::filesystem::rename(tmp, out, ec);
  if (ec) throw Error("cannot write " + out.string() + ": " + ec.message());
}

std::string graph_summary_text(const GraphPicture& graph) {
  size_t w_name = 6, w_shape = 12;
  for (const GraphModule& m : graph.modules) w_name = std::max(w_name, m.name.size()), w_shape = std::max(w_shape, m.output_shape.size());
  std::ostringstream os;
  auto row = [&](const std::string& a, const std::string& b, const std::string& p) {
    os << a << std::string(w_name + 2 - a.size(), ' ') << b << std::string(w_shape + 2 - std::min(b.size(), w_shape + 1), ' ') << p << '\n';
  };
  os << graph.title << '\n';
  row("module", "output shape", "parameters");
  for (const GraphModule& m : graph.modules) row(m.name, m.output_shape.empty() ? "-" : m.output_shape, with_commas(m.parameters));
  os << "total: " << with_commas(graph.total_parameters) << " parameters\n";
  return os.str();
}

}  // namespace hearth
