#include "engine/runtime/library_loader.hpp"

#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <map>
#include <memory>
#include <mutex>

#include "engine/core/category.hpp"
#include "engine/runtime/host_api.hpp"

namespace hearth {
namespace {

struct LibrarySlot {
  LibraryContext context;
  boost::dll::shared_library library;
  LoadedLibrary loaded;
};

std::mutex& loader_mutex() {
  static std::mutex m;
  return m;
}

// Never destroyed: destroying would unload, and plugin objects may still be alive at exit.
std::map<std::string, LibrarySlot*>& loaded_libraries() {
  static auto* all = new std::map<std::string, LibrarySlot*>();
  return *all;
}

/// Checks the ELF sections before loading: a file without the "hearth" section is refused
/// without running any of its code. Boost's symbols() misses .dynsym in stripped files, so the
/// section list is the reliable filter.
void require_entry_section(const fs::path& file) {
  std::vector<std::string> sections;
  try {
    boost::dll::library_info info(boost::dll::fs::path(file.string()), /*throw_if_not_native=*/true);
    sections = info.sections();
  } catch (const std::exception& e) {
    throw LibraryRefusal("not a shared library of this platform (" + std::string(e.what()) + ")");
  }
  for (const std::string& s : sections)
    if (s == HEARTH_ENTRY_SECTION) return;
  throw LibraryRefusal("a shared library without a Hearth entry (no '" HEARTH_ENTRY_SECTION
                       "' section); build it with HEARTH_PACK from <hearth/plugin.hpp>");
}

}  // namespace

const LoadedLibrary& load_library(const fs::path& file) {
  std::lock_guard<std::mutex> lock(loader_mutex());
  std::error_code ec;
  std::string key = fs::weakly_canonical(file, ec).string();
  if (ec) key = file.string();
  if (auto it = loaded_libraries().find(key); it != loaded_libraries().end()) return it->second->loaded;
  {
    require_entry_section(key);
    auto slot = std::make_unique<LibrarySlot>();
    slot->context.file = key;
    try {
      slot->library.load(boost::dll::fs::path(key), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    } catch (const std::exception& e) {
      throw LibraryRefusal(std::string("cannot be loaded: ") + e.what());
    }
    // Once its code has run, a library stays mapped even when refused: unloading would run its
    // static destructors, which are as untrusted as the rest of it.
    LibrarySlot* raw = slot.release();
    if (!raw->library.has(HEARTH_ENTRY_SYMBOL))
      throw LibraryRefusal("has a 'hearth' section but no exported '" HEARTH_ENTRY_SYMBOL "' symbol");
    auto& entry = raw->library.get_alias<const hearth_library_descriptor*(const hearth_host_api*)>(HEARTH_ENTRY_SYMBOL);
    raw->loaded.file = key;
    raw->loaded.host = make_host_api(&raw->context);
    raw->loaded.checked = read_library(entry(raw->loaded.host));
    loaded_libraries()[key] = raw;
    return raw->loaded;
  }
}

std::string ModuleRef::label() const {
  return "plugin " + library->file.string() + ", " + category_name(info->category) + " '" + info->name + "'";
}

ModuleRef load_module(const fs::path& file, hearth_category category, const std::string& name) {
  const LoadedLibrary* loaded = nullptr;
  try {
    loaded = &load_library(file);
  } catch (const LibraryRefusal& e) {
    throw PluginError("plugin " + file.string() + " was refused: " + e.what());
  }
  const LoadedLibrary& lib = *loaded;
  for (size_t i = 0; i < lib.checked.info.modules.size(); ++i) {
    const ModuleInfo& m = lib.checked.info.modules[i];
    if (m.category == category && m.name == name) return {&lib, &m, &lib.checked.tables[i]};
  }
  throw PluginError("plugin " + lib.file.string() + " offers no " + category_name(category) + " named '" + name + "'");
}

}  // namespace hearth
