#include "engine/core/category.hpp"

namespace hearth {
namespace {
struct Names {
  const char* singular;
  const char* plural;
};
constexpr Names kNames[HEARTH_CATEGORY_COUNT] = {
    {"dataset", "datasets"}, {"analyzer", "analyzers"}, {"loss", "losses"},         {"metric", "metrics"},
    {"model", "models"},     {"optimizer", "optimizers"}, {"renderer", "renderers"}, {"scheduler", "schedulers"},
    {"diagnostic", "diagnostics"}};
}  // namespace

const char* category_name(hearth_category category) {
  return category >= 0 && category < HEARTH_CATEGORY_COUNT ? kNames[category].singular : "unknown";
}

const char* category_folder(hearth_category category) {
  return category >= 0 && category < HEARTH_CATEGORY_COUNT ? kNames[category].plural : "unknown";
}

std::optional<hearth_category> parse_category(const std::string& text) {
  for (int i = 0; i < HEARTH_CATEGORY_COUNT; ++i)
    if (text == kNames[i].singular || text == kNames[i].plural) return static_cast<hearth_category>(i);
  return std::nullopt;
}

std::string category_list() {
  std::string out;
  for (int i = 0; i < HEARTH_CATEGORY_COUNT; ++i) out += std::string(i ? ", " : "") + kNames[i].singular;
  return out;
}

}  // namespace hearth
