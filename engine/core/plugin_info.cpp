#include "engine/core/plugin_info.hpp"

#include <regex>

namespace hearth {

const ParamInfo* ModuleInfo::param(const std::string& key) const {
  for (const ParamInfo& p : params)
    if (p.key == key) return &p;
  return nullptr;
}

const char* param_type_name(hearth_param_type type) {
  switch (type) {
    case HEARTH_PARAM_BOOL: return "bool";
    case HEARTH_PARAM_INT: return "int";
    case HEARTH_PARAM_FLOAT: return "float";
    case HEARTH_PARAM_STRING: return "string";
    case HEARTH_PARAM_INT_LIST: return "int list";
    case HEARTH_PARAM_FLOAT_LIST: return "float list";
    case HEARTH_PARAM_STRING_LIST: return "string list";
  }
  return "unknown";
}

bool is_pack_name(const std::string& name) {
  static const std::regex rule("[a-z0-9][a-z0-9_-]{0,63}");
  return std::regex_match(name, rule);
}

}  // namespace hearth
