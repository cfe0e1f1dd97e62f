// template_module: a Hearth analyzer plugin.
#include <cairo.h>
#include <hearth/plugin.hpp>

namespace {

/// Counts samples; draws the count.
class TemplateModule : public hearth::Analyzer {
 public:
  explicit TemplateModule(const hearth::Params&) {}
  void take(const hearth::TensorList&) override { ++count_; }
  void report(cairo_t* cr, int, int) override {
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_move_to(cr, 10, 20);
    cairo_show_text(cr, (std::to_string(count_) + " samples").c_str());
  }
  std::vector<std::pair<std::string, std::string>> summary() override { return {{"samples", std::to_string(count_)}}; }

 private:
  int64_t count_ = 0;
};

}  // namespace

HEARTH_REGISTER(TemplateModule, MODULE_NAME, "Describe your analyzer in one line", "Longer documentation.")
HEARTH_PACK(PLUGIN_NAME, PLUGIN_VERSION)
