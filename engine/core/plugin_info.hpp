// What the engine knows of a plugin library without running it: descriptors copied into C++ values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hearth/abi.h"

namespace hearth {

/// One parameter of a module's schema.
struct ParamInfo {
  std::string key;
  hearth_param_type type = HEARTH_PARAM_INT;
  std::optional<std::string> default_toml;  ///< nullopt: the key is required
  std::optional<double> min;
  std::optional<double> max;
  std::vector<std::string> choices;
  std::string doc;
  hearth_param_kind kind = HEARTH_PARAM_PLAIN;  ///< a file or folder to check
};

/// One module of a library.
struct ModuleInfo {
  hearth_category category = HEARTH_CATEGORY_DATASET;
  std::string name;
  std::string summary;
  std::string doc;
  std::vector<ParamInfo> params;

  const ParamInfo* param(const std::string& key) const;
};

/// What a library is, what it was built with, and its modules.
struct LibraryInfo {
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  uint32_t torch_major = 0;
  uint32_t torch_minor = 0;
  int32_t cxx11_abi = -1;
  std::string compiler;
  std::string pack_name;
  std::string pack_version;
  std::vector<ModuleInfo> modules;
};

/// "bool", "int", "float", "string", "int list", ...
const char* param_type_name(hearth_param_type type);

/// Whether `name` may name a pack: `[a-z0-9][a-z0-9_-]*`, at most 64. A pack is a folder and the
/// prefix of `pack:module`, so pack.toml's name and a library's HEARTH_PACK name follow one rule.
bool is_pack_name(const std::string& name);

/// The rule of is_pack_name, for messages.
inline constexpr const char* kPackNameRule = "[a-z0-9][a-z0-9_-]* (at most 64 characters)";

}  // namespace hearth
