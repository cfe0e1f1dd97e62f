#include "engine/discovery/module_json.hpp"

#include <sstream>

#include "engine/core/byte_text.hpp"
#include "engine/core/category.hpp"

namespace hearth {
namespace {

std::string number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace

std::string range_text(const ParamInfo& p) {
  // A file or folder parameter is checked by the host when a job is checked.
  if (p.kind == HEARTH_PARAM_FILE) return "a regular file";
  if (p.kind == HEARTH_PARAM_FOLDER) return "a folder";
  if (!p.min && !p.max) return "";
  return std::string(p.min ? "[" + number(*p.min) : "(-inf") + ", " + (p.max ? number(*p.max) + "]" : "inf)");
}

nlohmann::json param_json(const ParamInfo& p) {
  nlohmann::json jp = {{"key", p.key}, {"type", param_type_name(p.type)}, {"doc", p.doc}, {"required", !p.default_toml}};
  if (p.default_toml) jp["default"] = *p.default_toml;
  if (p.min) jp["min"] = *p.min;
  if (p.max) jp["max"] = *p.max;
  if (!p.choices.empty()) jp["choices"] = p.choices;
  if (p.kind != HEARTH_PARAM_PLAIN) jp["names"] = p.kind == HEARTH_PARAM_FILE ? "file" : "folder";
  return jp;
}

nlohmann::json module_json(const ModuleEntry& m, bool with_params) {
  nlohmann::json j = {{"category", category_name(m.info.category)},
                      {"name", m.info.name},
                      {"pack", m.pack},
                      {"version", m.pack_version},
                      {"file", json_text(m.file.string())},
                      {"origin", m.origin},
                      {"summary", m.info.summary},
                      {"shadowed", m.shadowed}};
  if (with_params) {
    j["doc"] = m.info.doc;
    j["built_with"] = {{"abi", std::to_string(m.library->abi_major) + "." + std::to_string(m.library->abi_minor)},
                       {"torch", std::to_string(m.library->torch_major) + "." + std::to_string(m.library->torch_minor)},
                       {"cxx11_abi", m.library->cxx11_abi},
                       {"compiler", m.library->compiler}};
    nlohmann::json params = nlohmann::json::array();
    for (const ParamInfo& p : m.info.params) params.push_back(param_json(p));
    j["params"] = params;
  }
  return j;
}

}  // namespace hearth
