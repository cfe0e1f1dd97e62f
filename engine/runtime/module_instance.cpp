#include "engine/runtime/module_instance.hpp"

#include "engine/core/category.hpp"
#include "engine/runtime/host_api.hpp"

namespace hearth {

ModuleInstance::ModuleInstance(ModuleRef module, ParamValues params)
    : module_(module),
      identity_(make_plugin_identity(category_name(module.info->category), module.info->name, module.library->file.string())) {
  params_.values = std::move(params);
  hearth_status s = ask("create", module_.tables->descriptor.create, &params_, &object_);
  if (s != HEARTH_OK || object_ == nullptr) {
    object_ = nullptr;
    check(s == HEARTH_OK ? HEARTH_ERROR : s, "create");
  }
}

ModuleInstance::~ModuleInstance() {
  if (object_ != nullptr) ask("destroy", module_.tables->descriptor.destroy, object_);
}

void ModuleInstance::check(hearth_status status, const char* what) const {
  if (status == HEARTH_OK) return;
  throw PluginError(module_.label() + ": " + what + " failed: " + take_plugin_error());
}

bool ModuleInstance::check_optional(hearth_status status, const char* what) const {
  if (status == HEARTH_UNSUPPORTED) {
    take_plugin_error();
    return false;
  }
  check(status, what);
  return true;
}

}  // namespace hearth
