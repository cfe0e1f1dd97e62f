#include "engine/runtime/modules/renderer_module.hpp"

#include "engine/runtime/host_api.hpp"

namespace hearth {

void RendererModule::render(cairo_t* cr, int width, int height, const at::Tensor& tensor, const RenderInputs& inputs) {
  HandleArray sample(inputs.sample);
  HandleArray drawn({tensor});
  std::vector<const char*> names, classes;
  for (const std::string& n : inputs.tensor_names) names.push_back(n.c_str());
  for (const std::string& c : inputs.class_names) classes.push_back(c.c_str());
  if (!inputs.tensor_names.empty() && names.size() != sample.size())
    throw Error("render inputs: " + std::to_string(names.size()) + " names for " + std::to_string(sample.size()) +
                " tensors");
  hearth_render_context ctx{};
  ctx.struct_size = sizeof ctx;
  ctx.sample = sample.data();
  ctx.tensor_names = names.empty() ? nullptr : names.data();
  ctx.tensor_count = sample.size();
  ctx.tensor_index = inputs.tensor_index;
  ctx.class_names = classes.data();
  ctx.class_count = classes.size();
  call("render", module_.tables->functions.renderer.render, object_, cr, width, height, drawn.data()[0], &ctx);
}

}  // namespace hearth
