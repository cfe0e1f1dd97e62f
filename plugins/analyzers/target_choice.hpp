// Shared by the built-in analyzers (header-only, plugin side): which tensor of a sample an
// analyzer reads (its `target` key, or the first tensor with the target role), and class labels.
#pragma once

#include <hearth/plugin.hpp>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace hearth_builtin {

inline size_t pick_target(const hearth::SampleInfo& info, const std::string& name) {
  for (size_t i = 0; i < info.tensor_names.size(); ++i)
    if (name.empty() ? info.roles[i] == HEARTH_ROLE_TARGET : info.tensor_names[i] == name) return i;
  std::string known;
  for (const std::string& n : info.tensor_names) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument(name.empty() ? "the samples have no tensor with the target role (tensors: " + known + ")"
                                           : "the samples have no tensor named '" + name + "' (tensors: " + known + ")");
}

/// The name of class `c`: the dataset's, else its index.
inline std::string class_label(const std::vector<std::string>& names, size_t c) {
  return c < names.size() ? names[c] : std::to_string(c);
}

/// Bars of per-class counts for hearth::draw::bar_chart: (labels, values).
inline std::pair<std::vector<std::string>, std::vector<double>> count_bars(const std::vector<std::string>& names,
                                                                         const std::vector<int64_t>& counts) {
  std::pair<std::vector<std::string>, std::vector<double>> out;
  for (size_t c = 0; c < counts.size(); ++c) {
    out.first.push_back(class_label(names, c));
    out.second.push_back(static_cast<double>(counts[c]));
  }
  return out;
}

}  // namespace hearth_builtin
