#include "engine/params/param_values.hpp"

#include <cstdlib>
#include <sstream>

#include "engine/params/param_resolver.hpp"

namespace hearth {

const ParamValue* ParamValues::find(const std::string& key) const {
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string number_text(double v) {
  std::string s = shortest_number_text(v);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // TOML: 1.0 is a float, 1 an integer
  return s;
}

template <class T, class F>
std::string list_text(const std::vector<T>& items, F&& one) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + one(items[i]);
  return out + "]";
}

template <class T>
const T* value_of(const hearth_params* p, const char* key, hearth_status& status) {
  if (p == nullptr || key == nullptr) {
    status = HEARTH_INVALID_ARGUMENT;
    return nullptr;
  }
  const ParamValue* v = p->values.find(key);
  if (v == nullptr) {
    status = HEARTH_NOT_FOUND;
    return nullptr;
  }
  const T* typed = std::get_if<T>(v);
  status = typed ? HEARTH_OK : HEARTH_TYPE_MISMATCH;
  return typed;
}

}  // namespace

std::string shortest_number_text(double v) {
  std::string s;
  for (int precision = 6; precision <= 17; ++precision) {
    std::ostringstream os;
    os.precision(precision);
    os << v;
    s = os.str();
    if (std::strtod(s.c_str(), nullptr) == v) break;
  }
  return s;
}

std::string to_toml_text(const ParamValue& value) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return number_text(d); }
    std::string operator()(const std::string& s) const { return quote(s); }
    std::string operator()(const std::vector<int64_t>& v) const {
      return list_text(v, [](int64_t i) { return std::to_string(i); });
    }
    std::string operator()(const std::vector<double>& v) const { return list_text(v, number_text); }
    std::string operator()(const std::vector<std::string>& v) const { return list_text(v, quote); }
  };
  return std::visit(Visitor{}, value);
}

ParamValue check_default(const ParamInfo& param) {
  ModuleInfo module;
  module.name = "<schema>";
  ParamInfo p = param;
  module.params.push_back(p);
  toml::table table;
  try {
    table = toml::parse("v = " + *param.default_toml);
  } catch (const toml::parse_error& e) {
    throw Error("default '" + *param.default_toml + "' is not a TOML value: " + std::string(e.description()));
  }
  toml::table wrapped;
  wrapped.insert(param.key, *table.get("v"));
  try {
    ParamValues values = resolve_params(module, &wrapped, ParamSource{"<schema default>", "default", {}});
    return *values.find(param.key);
  } catch (const UsageError& e) {
    throw Error(std::string("default is invalid: ") + e.what());
  }
}

namespace param_access {

hearth_status get_bool(const hearth_params* p, const char* key, int* out) {
  hearth_status s;
  if (const bool* v = value_of<bool>(p, key, s)) *out = *v ? 1 : 0;
  return s;
}
hearth_status get_int(const hearth_params* p, const char* key, int64_t* out) {
  hearth_status s;
  if (const int64_t* v = value_of<int64_t>(p, key, s)) *out = *v;
  return s;
}
hearth_status get_float(const hearth_params* p, const char* key, double* out) {
  hearth_status s;
  if (const double* v = value_of<double>(p, key, s)) *out = *v;
  return s;
}
hearth_status get_string(const hearth_params* p, const char* key, const char** out) {
  hearth_status s;
  if (const std::string* v = value_of<std::string>(p, key, s)) *out = v->c_str();
  return s;
}
hearth_status list_size(const hearth_params* p, const char* key, size_t* out) {
  hearth_status s;
  if (auto* v = value_of<std::vector<int64_t>>(p, key, s)) *out = v->size();
  else if (auto* d = value_of<std::vector<double>>(p, key, s)) *out = d->size();
  else if (auto* t = value_of<std::vector<std::string>>(p, key, s)) *out = t->size();
  return s;
}
template <class T, class Out>
hearth_status item_at(const hearth_params* p, const char* key, size_t index, Out* out) {
  hearth_status s;
  const std::vector<T>* v = value_of<std::vector<T>>(p, key, s);
  if (v == nullptr) return s;
  if (index >= v->size()) return HEARTH_NOT_FOUND;
  if constexpr (std::is_same_v<T, std::string>) *out = (*v)[index].c_str();
  else *out = (*v)[index];
  return HEARTH_OK;
}
hearth_status int_at(const hearth_params* p, const char* key, size_t index, int64_t* out) {
  return item_at<int64_t>(p, key, index, out);
}
hearth_status float_at(const hearth_params* p, const char* key, size_t index, double* out) {
  return item_at<double>(p, key, index, out);
}
hearth_status string_at(const hearth_params* p, const char* key, size_t index, const char** out) {
  return item_at<std::string>(p, key, index, out);
}

}  // namespace param_access
}  // namespace hearth
