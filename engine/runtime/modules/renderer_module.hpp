// Host-side wrapper of a renderer plugin object.
#pragma once

#include <ATen/Tensor.h>

#include <string>
#include <vector>

#include "engine/runtime/module_instance.hpp"

namespace hearth {

/// The sample around the tensor being drawn.
struct RenderInputs {
  std::vector<at::Tensor> sample;
  std::vector<std::string> tensor_names;
  size_t tensor_index = 0;
  std::vector<std::string> class_names;
};

class RendererModule : public ModuleInstance {
 public:
  using ModuleInstance::ModuleInstance;
  void render(cairo_t* cr, int width, int height, const at::Tensor& tensor, const RenderInputs& inputs);
};

}  // namespace hearth
