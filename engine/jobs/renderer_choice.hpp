// Which built-in renderer draws a tensor when the job does not say: chosen from its shape and dtype.
#pragma once

#include <ATen/Tensor.h>

#include <memory>
#include <string>

#include "engine/discovery/plugin_registry.hpp"
#include "engine/runtime/modules/renderer_module.hpp"

namespace hearth {

struct Job;

/// The renderer for one sample's tensor (no batch dimension) named `name`, in a dataset with
/// `class_count` classes: labels for a scalar or a vector of class scores, signal for W or CW
/// (few channels, many samples), bitmap for HW or [1|3]HW, spectrogram for complex FT or [2]FT,
/// volume for DHW or CDHW, bounding_box for [N, 4..6] tensors whose name says "box".
/// Throws UsageError for a tensor none of them draws.
std::string default_renderer(const at::Tensor& t, size_t class_count, const std::string& name);

/// The renderer that draws tensor `column` ("image", "prediction") of `job`'s samples: the job's
/// [[renders]] table for that tensor, else its table for every tensor, else default_renderer's
/// choice for `example` (one sample's tensor) from `registry`. `chosen` receives its name.
std::unique_ptr<RendererModule> job_renderer(const PluginRegistry& registry, const Job& job, const std::string& column,
                                             const at::Tensor& example, size_t class_count, std::string& chosen);

}  // namespace hearth
