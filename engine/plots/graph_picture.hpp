// A model's operation graph as a picture laid out by Graphviz (dot): nodes coloured by the kind of
// operation, grouped into one box per module, edges labelled with tensor shapes. Free of LibTorch:
// engine/jobs/model_graph.hpp fills the plain structures below from the autograd graph.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hearth {

struct GraphNode {
  std::string id;
  std::string label;   ///< "Addmm", "input 0", "output 0"
  std::string kind;    ///< see op_kind(); decides the colour
  std::string module;  ///< owning module ("linears.0"), "" when none
};

struct GraphEdge {
  std::string from, to;
  std::string label;  ///< the shape of the tensor: "[64, 256]"
};

struct GraphModule {
  std::string name;
  std::string output_shape;  ///< of the tensor leaving the module, "" when unknown
  int64_t parameters = 0;
};

struct GraphPicture {
  std::string title;
  std::vector<GraphNode> nodes;
  std::vector<GraphEdge> edges;
  std::vector<GraphModule> modules;  ///< in definition order
  int64_t total_parameters = 0;
};

/// The kind of an autograd operation name ("AddmmBackward0" -> "linear"): linear, convolution,
/// normalization, activation, pooling, dropout, shape, arithmetic, reduction, other; "input" and
/// "output" for the graph's ends.
std::string op_kind(const std::string& op);

/// Lays `graph` out with dot and writes it as .svg or .png. Throws hearth::Error naming the file.
void write_graph_picture(const GraphPicture& graph, const std::filesystem::path& out);

/// The text summary: one line per module (name, output shape, parameters) and the total.
std::string graph_summary_text(const GraphPicture& graph);

}  // namespace hearth
