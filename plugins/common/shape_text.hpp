// A tensor's shape as built-in plugins write it in error messages: [1, 28, 28].
#pragma once

#include <torch/torch.h>

#include <sstream>
#include <string>

namespace hearth_builtin {

inline std::string shape_text(at::IntArrayRef sizes) {
  std::ostringstream os;
  os << sizes;
  return os.str();
}

inline std::string shape_text(const torch::Tensor& t) { return shape_text(t.sizes()); }

}  // namespace hearth_builtin
