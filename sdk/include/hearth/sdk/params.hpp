// Parameters: the schema a module declares (Param) and the validated values it receives (Params).
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "hearth/abi.h"
#include "hearth/sdk/host.hpp"

namespace hearth {

/// One schema entry, built fluently: `Param::integer("epochs", 10).min(1).doc("...")`.
/// A Param made without a default is required.
class Param {
 public:
  static Param boolean(std::string key, bool def) { return Param(std::move(key), HEARTH_PARAM_BOOL, def ? "true" : "false"); }
  static Param boolean(std::string key) { return Param(std::move(key), HEARTH_PARAM_BOOL); }
  static Param integer(std::string key, int64_t def) { return Param(std::move(key), HEARTH_PARAM_INT, std::to_string(def)); }
  static Param integer(std::string key) { return Param(std::move(key), HEARTH_PARAM_INT); }
  static Param number(std::string key, double def) { return Param(std::move(key), HEARTH_PARAM_FLOAT, float_text(def)); }
  static Param number(std::string key) { return Param(std::move(key), HEARTH_PARAM_FLOAT); }
  static Param string(std::string key, const std::string& def) { return Param(std::move(key), HEARTH_PARAM_STRING, quote(def)); }
  static Param string(std::string key) { return Param(std::move(key), HEARTH_PARAM_STRING); }
  static Param integers(std::string key, std::initializer_list<int64_t> def) {
    std::vector<std::string> items;
    for (int64_t v : def) items.push_back(std::to_string(v));
    return Param(std::move(key), HEARTH_PARAM_INT_LIST, list_text(items));
  }
  static Param integers(std::string key) { return Param(std::move(key), HEARTH_PARAM_INT_LIST); }
  static Param numbers(std::string key, std::initializer_list<double> def) {
    std::vector<std::string> items;
    for (double v : def) items.push_back(float_text(v));
    return Param(std::move(key), HEARTH_PARAM_FLOAT_LIST, list_text(items));
  }
  static Param numbers(std::string key) { return Param(std::move(key), HEARTH_PARAM_FLOAT_LIST); }
  static Param strings(std::string key, std::initializer_list<std::string> def) {
    std::vector<std::string> items;
    for (const std::string& v : def) items.push_back(quote(v));
    return Param(std::move(key), HEARTH_PARAM_STRING_LIST, list_text(items));
  }
  static Param strings(std::string key) { return Param(std::move(key), HEARTH_PARAM_STRING_LIST); }

  Param& min(double v) { has_min_ = true; min_ = v; return *this; }
  Param& max(double v) { has_max_ = true; max_ = v; return *this; }
  Param& range(double lo, double hi) { return min(lo).max(hi); }
  Param& choices(std::vector<std::string> values) { choices_ = std::move(values); return *this; }
  Param& doc(std::string text) { doc_ = std::move(text); return *this; }
  /// The string (or each string of a list) names a file to read: the host refuses a missing one,
  /// a FIFO, a device or a folder when the job is checked.
  Param& file() { kind_ = HEARTH_PARAM_FILE; return *this; }
  /// The string (or each string of a list) names a folder that must exist.
  Param& folder() { kind_ = HEARTH_PARAM_FOLDER; return *this; }

  /// The C view; valid while this Param lives and is not modified.
  hearth_param_spec spec() {
    choice_ptrs_.clear();
    for (const std::string& c : choices_) choice_ptrs_.push_back(c.c_str());
    hearth_param_spec s{};
    s.struct_size = sizeof(hearth_param_spec);
    s.key = key_.c_str();
    s.type = type_;
    s.default_toml = has_default_ ? default_.c_str() : nullptr;
    s.has_min = has_min_;
    s.min = min_;
    s.has_max = has_max_;
    s.max = max_;
    s.choices = choice_ptrs_.empty() ? nullptr : choice_ptrs_.data();
    s.choice_count = choice_ptrs_.size();
    s.doc = doc_.c_str();
    s.kind = kind_;
    return s;
  }

 private:
  Param(std::string key, hearth_param_type type) : key_(std::move(key)), type_(type) {}
  Param(std::string key, hearth_param_type type, std::string def)
      : key_(std::move(key)), type_(type), default_(std::move(def)), has_default_(true) {}

  static std::string float_text(double v) {
    std::ostringstream os;
    os.precision(17);
    os << v;
    std::string s = os.str();
    // A TOML float needs a '.' or an exponent, or it would parse as an integer.
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
  }
  static std::string quote(const std::string& v) {
    std::string out = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }
  static std::string list_text(const std::vector<std::string>& items) {
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
    return out + "]";
  }

  std::string key_;
  hearth_param_type type_;
  std::string default_;
  bool has_default_ = false;
  int has_min_ = 0;
  double min_ = 0;
  int has_max_ = 0;
  double max_ = 0;
  std::vector<std::string> choices_;
  std::vector<const char*> choice_ptrs_;
  uint32_t kind_ = HEARTH_PARAM_PLAIN;
  std::string doc_;
};

/// A module's schema: the list its static `schema()` returns.
using Schema = std::vector<Param>;

/// Validated values handed to a module's constructor. Every key of the schema is present (the
/// host filled defaults); asking for an undeclared key or the wrong type throws.
class Params {
 public:
  explicit Params(const hearth_params* params) : params_(params) {}

  template <class T>
  T get(const std::string& key) const;

 private:
  void check(hearth_status s, const std::string& key, const char* wanted) const {
    if (s == HEARTH_OK) return;
    if (s == HEARTH_NOT_FOUND) throw std::invalid_argument("parameter '" + key + "' is not in the module's schema");
    throw std::invalid_argument(std::string("parameter '") + key + "' is not " + wanted);
  }
  size_t list_size(const std::string& key) const {
    size_t n = 0;
    check(detail::host().param_list_size(params_, key.c_str(), &n), key, "a list");
    return n;
  }

  const hearth_params* params_;
};

template <>
inline bool Params::get<bool>(const std::string& key) const {
  int v = 0;
  check(detail::host().param_bool(params_, key.c_str(), &v), key, "a boolean");
  return v != 0;
}
template <>
inline int64_t Params::get<int64_t>(const std::string& key) const {
  int64_t v = 0;
  check(detail::host().param_int(params_, key.c_str(), &v), key, "an integer");
  return v;
}
template <>
inline int Params::get<int>(const std::string& key) const {
  return static_cast<int>(get<int64_t>(key));
}
template <>
inline double Params::get<double>(const std::string& key) const {
  double v = 0;
  check(detail::host().param_float(params_, key.c_str(), &v), key, "a number");
  return v;
}
template <>
inline std::string Params::get<std::string>(const std::string& key) const {
  const char* v = nullptr;
  check(detail::host().param_string(params_, key.c_str(), &v), key, "a string");
  return v ? v : "";
}
template <>
inline std::vector<int64_t> Params::get<std::vector<int64_t>>(const std::string& key) const {
  std::vector<int64_t> out(list_size(key));
  for (size_t i = 0; i < out.size(); ++i)
    check(detail::host().param_int_at(params_, key.c_str(), i, &out[i]), key, "a list of integers");
  return out;
}
template <>
inline std::vector<double> Params::get<std::vector<double>>(const std::string& key) const {
  std::vector<double> out(list_size(key));
  for (size_t i = 0; i < out.size(); ++i)
    check(detail::host().param_float_at(params_, key.c_str(), i, &out[i]), key, "a list of numbers");
  return out;
}
template <>
inline std::vector<std::string> Params::get<std::vector<std::string>>(const std::string& key) const {
  std::vector<std::string> out(list_size(key));
  for (size_t i = 0; i < out.size(); ++i) {
    const char* v = nullptr;
    check(detail::host().param_string_at(params_, key.c_str(), i, &v), key, "a list of strings");
    out[i] = v ? v : "";
  }
  return out;
}

}  // namespace hearth
