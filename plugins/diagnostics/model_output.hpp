// Shared by the built-in diagnostics (header-only, plugin side): the model output their `output`
// key names.
#pragma once

#include <hearth/plugin.hpp>

#include <stdexcept>
#include <string>

namespace hearth_builtin {

/// outputs[output], or an error saying how many outputs the model gives.
inline const torch::Tensor& model_output(const hearth::TensorList& outputs, int64_t output) {
  if (output < 0 || output >= static_cast<int64_t>(outputs.size()))
    throw std::invalid_argument("output = " + std::to_string(output) + ", but the model gives " +
                                std::to_string(outputs.size()) + " output(s); set output to one of them");
  return outputs[static_cast<size_t>(output)];
}

}  // namespace hearth_builtin
