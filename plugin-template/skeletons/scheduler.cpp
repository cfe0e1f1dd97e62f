// template_module: a Hearth scheduler plugin.
#include <hearth/plugin.hpp>

namespace {

/// Halves the rate every epoch.
class TemplateModule : public hearth::Scheduler {
 public:
  static hearth::Schema schema() { return {hearth::Param::number("factor", 0.5).range(0, 1).doc("Decay per epoch")}; }
  explicit TemplateModule(const hearth::Params& params) : factor_(params.get<double>("factor")) {}

 protected:
  double rate(size_t, double base_lr, int64_t steps, std::optional<double>) override {
    return base_lr * std::pow(factor_, static_cast<double>(steps));
  }

 private:
  double factor_;
};

}  // namespace

HEARTH_REGISTER(TemplateModule, MODULE_NAME, "Describe your scheduler in one line", "Longer documentation.")
HEARTH_PACK(PLUGIN_NAME, PLUGIN_VERSION)
