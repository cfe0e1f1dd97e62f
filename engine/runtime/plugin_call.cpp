#include "engine/runtime/plugin_call.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <array>
#include <atomic>

#include "engine/core/byte_text.hpp"

namespace hearth {
namespace {

// A table rather than thread_local storage: the library is loaded with dlopen, where reading a
// thread_local may allocate (__tls_get_addr), which a signal handler must not do.
struct Slot {
  std::atomic<long> thread{0};
  std::atomic<const PluginIdentity*> who{nullptr};
  std::atomic<const char*> entry{nullptr};
};
constexpr int kSlots = 256;
std::array<Slot, kSlots> g_slots;

long thread_id() noexcept { return ::syscall(SYS_gettid); }

/// This thread's slot, claimed on its first plugin call and given back when it ends; -1 when all
/// are taken (the call then goes unrecorded).
struct SlotClaim {
  int index = -1;
  SlotClaim() {
    const long me = thread_id();
    for (int i = 0; i < kSlots; ++i) {
      long free = 0;
      if (g_slots[i].thread.compare_exchange_strong(free, me)) {
        index = i;
        return;
      }
    }
  }
  ~SlotClaim() {
    // exit() destroys the calling thread's thread_locals before its exit handlers run: a call
    // still in progress (a plugin calling exit) stays recorded for the crash handler.
    if (index < 0 || g_slots[index].who.load() != nullptr) return;
    g_slots[index].who = nullptr;
    g_slots[index].entry = nullptr;
    g_slots[index].thread = 0;
  }
};

int my_slot() {
  thread_local SlotClaim claim;
  return claim.index;
}

/// `bytes` as a JSON string literal, escaped once here so the crash handler only copies it.
std::string quoted(const std::string& bytes) { return nlohmann::json(json_text(bytes)).dump(); }

}  // namespace

PluginIdentity make_plugin_identity(const std::string& category, const std::string& module, const std::string& file) {
  PluginIdentity id;
  id.json_fields = "\"category\":" + quoted(category) + ",\"module\":" + quoted(module) + ",\"file\":" + quoted(file);
  id.text = category + " '" + printable(module) + "' (" + printable(file) + ")";
  return id;
}

PluginCallScope::PluginCallScope(const PluginIdentity& who, const char* entry) noexcept : slot_(my_slot()) {
  if (slot_ < 0) return;
  Slot& s = g_slots[slot_];
  previous_who_ = s.who.load(std::memory_order_relaxed);
  previous_entry_ = s.entry.load(std::memory_order_relaxed);
  // The entry first: a reader that sees the new identity sees its entry point too.
  s.entry.store(entry, std::memory_order_release);
  s.who.store(&who, std::memory_order_release);
}

PluginCallScope::~PluginCallScope() {
  if (slot_ < 0) return;
  Slot& s = g_slots[slot_];
  s.who.store(previous_who_, std::memory_order_release);
  s.entry.store(previous_entry_, std::memory_order_release);
}

PluginCallView current_plugin_call() noexcept {
  const long me = thread_id();
  PluginCallView other;
  for (Slot& s : g_slots) {
    const long t = s.thread.load(std::memory_order_acquire);
    if (t == 0) continue;
    const PluginIdentity* who = s.who.load(std::memory_order_acquire);
    if (who == nullptr) continue;
    const char* entry = s.entry.load(std::memory_order_acquire);
    if (t == me) return {who, entry, true};
    if (other.who == nullptr) other = {who, entry, false};
  }
  return other;
}

}  // namespace hearth
