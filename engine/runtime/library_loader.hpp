// Loads plugin libraries into this process (RTLD_NOW) and reads their descriptors. Loaded
// libraries are never unloaded: objects they made may outlive any scope we could pick.
#pragma once

#include <filesystem>
#include <string>

#include "engine/core/descriptor_reader.hpp"
#include "hearth/abi.h"

namespace hearth {

namespace fs = std::filesystem;

/// A library in this process and its checked descriptor.
struct LoadedLibrary {
  fs::path file;
  const hearth_host_api* host = nullptr;
  CheckedLibrary checked;
};

/// Loads `file` once per process (later calls return the same object). Throws LibraryRefusal when
/// the file is not a Hearth library or fails its checks; the message does not repeat the file.
const LoadedLibrary& load_library(const fs::path& file);

/// A module of a loaded library.
struct ModuleRef {
  const LoadedLibrary* library = nullptr;
  const ModuleInfo* info = nullptr;
  const ModuleTables* tables = nullptr;

  /// "plugin /path/libx.so, model 'mlp'": the prefix of every error about this module.
  std::string label() const;
};

/// Loads `file` and finds the module; throws PluginError when the library lacks it.
ModuleRef load_module(const fs::path& file, hearth_category category, const std::string& name);

}  // namespace hearth
