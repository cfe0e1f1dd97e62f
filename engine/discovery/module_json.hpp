// A discovered module as JSON, and a parameter's allowed range as text: what `hearth plugins
// --json` prints and what the studio builds its forms from.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "engine/discovery/plugin_registry.hpp"

namespace hearth {

/// "[1, 64]", "(-inf, 0.9]", "a regular file", or "" when any value of its type is allowed.
std::string range_text(const ParamInfo& p);

/// A parameter as {"key", "type", "doc", "required", "default"?, "min"?, "max"?, "choices"?, "names"?}.
nlohmann::json param_json(const ParamInfo& p);

/// {"category", "name", "pack", "version", "file", "origin", "summary", "shadowed"}; with
/// `with_params` also "doc", "built_with" and "params".
nlohmann::json module_json(const ModuleEntry& m, bool with_params);

}  // namespace hearth
