// Which plugin entry point each thread is running, kept so that a fatal signal can say who
// crashed the process. Entering and leaving a call is two atomic stores into a fixed table (no
// allocation), and the table is read async-signal-safely by the crash handler.
#pragma once

#include <string>

namespace hearth {

/// A module as a crash record names it, spelled once when its object is made: the JSON fields
/// (already escaped, so the signal handler only copies bytes) and the human label.
struct PluginIdentity {
  std::string json_fields;  ///< "\"category\":\"model\",\"module\":\"lenet5\",\"file\":\"/p/liblenet.so\""
  std::string text;         ///< "model 'lenet5' (/p/liblenet.so)"
};

PluginIdentity make_plugin_identity(const std::string& category, const std::string& module, const std::string& file);

/// A plugin call in progress on some thread.
struct PluginCallView {
  const PluginIdentity* who = nullptr;  ///< null: no plugin call in progress
  const char* entry = nullptr;          ///< "forward", "get", ...
  bool own_thread = true;               ///< false: the call runs on another thread than the asking one
};

/// Marks `entry` of `who` as running on this thread for the scope's life; scopes nest (a plugin
/// calling back into the host that calls another plugin).
class PluginCallScope {
 public:
  PluginCallScope(const PluginIdentity& who, const char* entry) noexcept;
  ~PluginCallScope();
  PluginCallScope(const PluginCallScope&) = delete;
  PluginCallScope& operator=(const PluginCallScope&) = delete;

 private:
  int slot_;
  const PluginIdentity* previous_who_ = nullptr;
  const char* previous_entry_ = nullptr;
};

/// The call running on the calling thread or, when it runs none (a LibTorch worker thread),
/// the one running on any other thread. Async-signal-safe.
PluginCallView current_plugin_call() noexcept;

}  // namespace hearth
