// Which tensor of a sample an analyzer reads: the one named by its `target` key, or the first
// tensor with the target role. Shared by the built-in analyzers (header-only, plugin side).
#pragma once

#include <hearth/plugin.hpp>

#include <stdexcept>
#include <string>

namespace hearth_builtin {

inline size_t pick_target(const hearth::SampleInfo& info, const std::string& name) {
  for (size_t i = 0; i < info.tensor_names.size(); ++i)
    if (name.empty() ? info.roles[i] == HEARTH_ROLE_TARGET : info.tensor_names[i] == name) return i;
  std::string known;
  for (const std::string& n : info.tensor_names) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument(name.empty() ? "the samples have no tensor with the target role (tensors: " + known + ")"
                                           : "the samples have no tensor named '" + name + "' (tensors: " + known + ")");
}

}  // namespace hearth_builtin
