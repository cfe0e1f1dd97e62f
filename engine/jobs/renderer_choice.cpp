#include "engine/jobs/renderer_choice.hpp"

#include <sstream>

#include "engine/core/error.hpp"

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

}  // namespace hearth
