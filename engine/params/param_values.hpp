// Validated parameter values of one module instance: the host side of the opaque hearth_params.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "engine/core/plugin_info.hpp"
#include "hearth/abi.h"

namespace hearth {

using ParamValue = std::variant<bool, int64_t, double, std::string, std::vector<int64_t>, std::vector<double>,
                                std::vector<std::string>>;

/// Key → value, every key of the module's schema present once resolved.
class ParamValues {
 public:
  void set(const std::string& key, ParamValue value) { values_[key] = std::move(value); }
  const ParamValue* find(const std::string& key) const;
  const std::map<std::string, ParamValue>& all() const { return values_; }

 private:
  std::map<std::string, ParamValue> values_;
};

/// The shortest text that reads back as the same double ("0.2", not "0.20000000000000001"; "1"
/// for 1.0, and "1.0000001" never shortened to "1").
std::string shortest_number_text(double v);

/// The value as TOML text ("0.5", "\"relu\"", "[1, 2]"), for saving a resolved job.
std::string to_toml_text(const ParamValue& value);

/// Parses a schema default and checks it against its own type, range and choices; throws Error.
ParamValue check_default(const ParamInfo& param);

/// The C accessors behind hearth_host_api.param_* (see abi.h for their contract).
namespace param_access {
hearth_status get_bool(const hearth_params* p, const char* key, int* out);
hearth_status get_int(const hearth_params* p, const char* key, int64_t* out);
hearth_status get_float(const hearth_params* p, const char* key, double* out);
hearth_status get_string(const hearth_params* p, const char* key, const char** out);
hearth_status list_size(const hearth_params* p, const char* key, size_t* out);
hearth_status int_at(const hearth_params* p, const char* key, size_t index, int64_t* out);
hearth_status float_at(const hearth_params* p, const char* key, size_t index, double* out);
hearth_status string_at(const hearth_params* p, const char* key, size_t index, const char** out);
}  // namespace param_access

}  // namespace hearth

/// The opaque handle of abi.h, defined by the host.
struct hearth_params {
  hearth::ParamValues values;
};
