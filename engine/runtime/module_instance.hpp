// Base of the host-side wrappers around one plugin object: creates it from validated parameters,
// destroys it, and turns every non-OK status into a PluginError naming plugin and module.
#pragma once

#include <string>

#include "engine/core/error.hpp"
#include "engine/params/param_values.hpp"
#include "engine/runtime/library_loader.hpp"

namespace hearth {

class ModuleInstance {
 public:
  ModuleInstance(ModuleRef module, ParamValues params);
  virtual ~ModuleInstance();
  ModuleInstance(const ModuleInstance&) = delete;
  ModuleInstance& operator=(const ModuleInstance&) = delete;

  const ModuleRef& module() const { return module_; }
  const ParamValues& params() const { return params_.values; }

 protected:
  /// Throws PluginError("<label>: <what> failed: <plugin message>") unless `status` is OK.
  void check(hearth_status status, const char* what) const;
  /// True for OK, false for UNSUPPORTED; throws for anything else.
  bool check_optional(hearth_status status, const char* what) const;

  ModuleRef module_;
  hearth_params params_;
  hearth_object* object_ = nullptr;
};

}  // namespace hearth
