#include "engine/runtime/modules/archived_state.hpp"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <map>
#include <sstream>

#include "engine/core/error.hpp"

namespace hearth {
namespace {

void collect(torch::serialize::InputArchive& archive, const std::string& prefix, NamedTensors& out) {
  for (const std::string& key : archive.keys()) {
    at::Tensor tensor;
    torch::serialize::InputArchive child;
    if (archive.try_read(key, tensor))
      out.emplace_back(prefix + key, tensor);
    else if (archive.try_read(key, child))
      collect(child, prefix + key + ".", out);
  }
}

/// Names grouped by their first component, in first-seen order (state_dict order survives).
struct Tree {
  std::vector<std::pair<std::string, at::Tensor>> leaves;
  std::vector<std::string> child_order;
  std::map<std::string, Tree> children;
};

void write(const Tree& tree, torch::serialize::OutputArchive& archive) {
  for (const auto& [name, tensor] : tree.leaves) archive.write(name, tensor);
  for (const std::string& name : tree.child_order) {
    torch::serialize::OutputArchive child;
    write(tree.children.at(name), child);
    archive.write(name, child);
  }
}

}  // namespace

NamedTensors tensors_of_archive(const std::string& bytes) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(bytes.data(), bytes.size());
  } catch (const c10::Error& e) {
    throw Error(std::string("the model's saved state is not a LibTorch archive: ") + e.what_without_backtrace());
  }
  NamedTensors out;
  collect(archive, "", out);
  return out;
}

std::string archive_of_tensors(const NamedTensors& tensors) {
  Tree root;
  for (const auto& [name, tensor] : tensors) {
    Tree* node = &root;
    std::string rest = name;
    for (size_t dot = rest.find('.'); dot != std::string::npos; dot = rest.find('.')) {
      std::string head = rest.substr(0, dot);
      if (!node->children.count(head)) node->child_order.push_back(head);
      node = &node->children[head];
      rest = rest.substr(dot + 1);
    }
    node->leaves.emplace_back(rest, tensor);
  }
  torch::serialize::OutputArchive archive;
  write(root, archive);
  std::ostringstream os;
  archive.save_to(os);
  return os.str();
}

}  // namespace hearth
