// Base of the host-side wrappers around one plugin object: creates it from validated parameters,
// destroys it, and turns every non-OK status into a PluginError naming plugin and module.
#pragma once

#include <string>
#include <utility>

#include "engine/core/error.hpp"
#include "engine/params/param_values.hpp"
#include "engine/runtime/library_loader.hpp"
#include "engine/runtime/plugin_call.hpp"

namespace hearth {

class ModuleInstance {
 public:
  ModuleInstance(ModuleRef module, ParamValues params);
  virtual ~ModuleInstance();
  ModuleInstance(const ModuleInstance&) = delete;
  ModuleInstance& operator=(const ModuleInstance&) = delete;

  const ModuleRef& module() const { return module_; }
  const ParamValues& params() const { return params_.values; }
  /// How a crash record names this module.
  const PluginIdentity& identity() const { return identity_; }

 protected:
  /// Calls the plugin's `entry` (fn(args...)) recorded as running on this thread, so that a fatal
  /// signal inside it is blamed on this module, then checks the status it returns.
  template <class Fn, class... Args>
  void call(const char* entry, Fn fn, Args&&... args) const {
    hearth_status status;
    {
      PluginCallScope scope(identity_, entry);
      status = fn(std::forward<Args>(args)...);
    }
    check(status, entry);
  }
  /// As call(), for entry points that return a value instead of a status.
  template <class Fn, class... Args>
  auto ask(const char* entry, Fn fn, Args&&... args) const {
    PluginCallScope scope(identity_, entry);
    return fn(std::forward<Args>(args)...);
  }
  /// Throws PluginError("<label>: <what> failed: <plugin message>") unless `status` is OK.
  void check(hearth_status status, const char* what) const;
  /// True for OK, false for UNSUPPORTED; throws for anything else.
  bool check_optional(hearth_status status, const char* what) const;

  ModuleRef module_;
  PluginIdentity identity_;
  hearth_params params_;
  hearth_object* object_ = nullptr;
};

}  // namespace hearth
