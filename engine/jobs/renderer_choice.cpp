#include "engine/jobs/renderer_choice.hpp"

#include <sstream>

#include "engine/core/error.hpp"
#include "engine/jobs/job.hpp"
#include "engine/jobs/job_modules.hpp"
#include "engine/params/param_resolver.hpp"
#include "engine/runtime/library_loader.hpp"

namespace hearth {

std::string default_renderer(const at::Tensor& t, size_t class_count, const std::string& name) {
  const int64_t d = t.dim();
  if (t.is_complex() && d == 2) return "spectrogram";
  if (t.numel() == 1) return "labels";
  if (!t.is_complex()) {
    if (d == 1) return class_count > 0 && static_cast<size_t>(t.size(0)) == class_count ? "labels" : "signal";
    if (d == 2 && t.size(1) >= 4 && t.size(1) <= 6 && name.find("box") != std::string::npos) return "bounding_box";
    if (d == 2 && t.size(0) <= 16 && t.size(1) >= 32 && t.size(1) >= 4 * t.size(0)) return "signal";
    if (d == 2) return "bitmap";
    if (d == 3 && (t.size(0) == 1 || t.size(0) == 3)) return "bitmap";
    if (d == 3 && t.size(0) == 2) return "spectrogram";
    if (d == 3 || d == 4) return "volume";
  }
  std::ostringstream os;
  os << "no built-in renderer draws tensor '" << name << "' of shape " << t.sizes() << (t.is_complex() ? " (complex)" : "")
     << "; name one in the job: [[renders]] tensor = \"" << name << "\" plugin = \"...\"";
  throw UsageError(os.str());
}

std::unique_ptr<RendererModule> job_renderer(const PluginRegistry& registry, const Job& job, const std::string& column,
                                             const at::Tensor& example, size_t class_count, std::string& chosen) {
  const ModuleSpec* spec = nullptr;
  for (size_t i = 0; i < job.renders.size(); ++i) {
    const std::string& t = job.options.renders[i].tensor;
    if (t == column) spec = &job.renders[i];
    else if (t.empty() && spec == nullptr) spec = &job.renders[i];
  }
  if (spec != nullptr) {
    chosen = spec->entry->info.name;
    return std::make_unique<RendererModule>(module_ref(*spec), spec->params);
  }
  chosen = default_renderer(example, class_count, column);
  const ModuleEntry& e = registry.find(HEARTH_CATEGORY_RENDERER, chosen);
  return std::make_unique<RendererModule>(load_module(e.file, HEARTH_CATEGORY_RENDERER, e.info.name), default_params(e.info));
}

}  // namespace hearth
