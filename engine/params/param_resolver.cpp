#include "engine/params/param_resolver.hpp"

#include <cmath>
#include <filesystem>
#include <optional>

#include "engine/core/byte_text.hpp"
#include "engine/core/category.hpp"
#include "engine/core/regular_file.hpp"
#include "engine/params/suggest.hpp"

namespace hearth {
namespace {

/// file:line:col, or for a value an override set (--set, a sweep's trial), the override's origin.
std::string position(const ParamSource& source, const toml::source_region& region) {
  if (region.path && !region.path->empty() && *region.path != source.file) return *region.path;
  std::string out = source.file;
  if (region.begin.line > 0) out += ":" + std::to_string(region.begin.line) + ":" + std::to_string(region.begin.column);
  return out;
}

/// Collects the problems of one table so that the user sees them all at once.
class Checker {
 public:
  Checker(const ModuleInfo& module, const ParamSource& source) : module_(module), source_(source) {}

  void fail(const toml::source_region& where, const std::string& message) {
    const std::string module =
        source_.host_table ? "" : std::string(" ") + category_name(module_.category) + " '" + module_.name + "'";
    errors_.push_back(position(source_, where) + ": [" + source_.table_name + "]" + module + ": " + message);
  }

  std::optional<double> number(const ParamInfo& p, const toml::node& n) {
    if (n.is_integer()) return static_cast<double>(*n.value<int64_t>());
    if (n.is_floating_point()) return *n.value<double>();
    return std::nullopt;
  }

  bool in_range(const ParamInfo& p, const toml::node& n, double v) {
    if (std::isnan(v) && (p.min || p.max)) {
      fail(n.source(), "'" + p.key + "' is NaN");
      return false;
    }
    if (p.min && v < *p.min) {
      fail(n.source(), "'" + p.key + "' = " + shortest_number_text(v) + " is below the minimum " + shortest_number_text(*p.min));
      return false;
    }
    if (p.max && v > *p.max) {
      fail(n.source(), "'" + p.key + "' = " + shortest_number_text(v) + " is above the maximum " + shortest_number_text(*p.max));
      return false;
    }
    return true;
  }

  bool in_choices(const ParamInfo& p, const toml::node& n, const std::string& s) {
    if (p.choices.empty()) return true;
    for (const std::string& c : p.choices)
      if (c == s) return true;
    std::string list;
    for (const std::string& c : p.choices) list += (list.empty() ? "" : ", ") + ("\"" + c + "\"");
    fail(n.source(), "'" + p.key + "' = \"" + s + "\" is not one of " + list + did_you_mean(s, p.choices));
    return false;
  }

  /// A file parameter names a regular file (a FIFO would block the reader forever, /dev/zero
  /// never ends), a folder parameter a folder.
  bool names_what_it_should(const ParamInfo& p, const toml::node& n, const std::string& value) {
    if (p.kind == HEARTH_PARAM_PLAIN || source_.data_folder.empty() || value.empty()) return true;
    const std::filesystem::path path = std::filesystem::path(source_.data_folder) / value;
    if (p.kind == HEARTH_PARAM_FILE) {
      try {
        require_regular_file(path, "'" + p.key + "' =");
      } catch (const UsageError& e) {
        fail(n.source(), e.what());
        return false;
      }
      return true;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return true;
    fail(n.source(), "'" + p.key + "' = " + printable(path.string()) + " is not a folder" +
                         (std::filesystem::exists(path, ec) ? "" : " (it does not exist)"));
    return false;
  }

  const char* toml_type(const toml::node& n) {
    if (n.is_boolean()) return "a boolean";
    if (n.is_integer()) return "an integer";
    if (n.is_floating_point()) return "a float";
    if (n.is_string()) return "a string";
    if (n.is_array()) return "an array";
    if (n.is_table()) return "a table";
    return "a date or time";
  }

  void wrong_type(const ParamInfo& p, const toml::node& n, const std::string& detail = "") {
    fail(n.source(), "'" + p.key + "' must be " + article(p.type) + ", not " + toml_type(n) + detail);
  }

  static std::string article(hearth_param_type t) {
    switch (t) {
      case HEARTH_PARAM_BOOL: return "a boolean (true or false)";
      case HEARTH_PARAM_INT: return "an integer";
      case HEARTH_PARAM_FLOAT: return "a number";
      case HEARTH_PARAM_STRING: return "a string";
      case HEARTH_PARAM_INT_LIST: return "an array of integers";
      case HEARTH_PARAM_FLOAT_LIST: return "an array of numbers";
      case HEARTH_PARAM_STRING_LIST: return "an array of strings";
    }
    return "a value";
  }

  std::optional<ParamValue> convert(const ParamInfo& p, const toml::node& n) {
    switch (p.type) {
      case HEARTH_PARAM_BOOL:
        if (!n.is_boolean()) return wrong_type(p, n), std::nullopt;
        return ParamValue(*n.value<bool>());
      case HEARTH_PARAM_INT: {
        if (!n.is_integer()) return wrong_type(p, n), std::nullopt;
        int64_t v = *n.value<int64_t>();
        if (!in_range(p, n, static_cast<double>(v))) return std::nullopt;
        return ParamValue(v);
      }
      case HEARTH_PARAM_FLOAT: {
        auto v = number(p, n);
        if (!v) return wrong_type(p, n), std::nullopt;
        if (!in_range(p, n, *v)) return std::nullopt;
        return ParamValue(*v);
      }
      case HEARTH_PARAM_STRING: {
        if (!n.is_string()) return wrong_type(p, n), std::nullopt;
        std::string s = *n.value<std::string>();
        if (!in_choices(p, n, s) || !names_what_it_should(p, n, s)) return std::nullopt;
        return ParamValue(s);
      }
      default:
        return convert_list(p, n);
    }
  }

  std::optional<ParamValue> convert_list(const ParamInfo& p, const toml::node& n) {
    const toml::array* a = n.as_array();
    if (a == nullptr) return wrong_type(p, n), std::nullopt;
    std::vector<int64_t> ints;
    std::vector<double> floats;
    std::vector<std::string> strings;
    bool ok = true;
    for (size_t i = 0; i < a->size(); ++i) {
      const toml::node& item = *a->get(i);
      std::string at = " at index " + std::to_string(i);
      if (p.type == HEARTH_PARAM_INT_LIST) {
        if (!item.is_integer()) { wrong_type(p, n, at); ok = false; continue; }
        ints.push_back(*item.value<int64_t>());
        ok = in_range(p, item, static_cast<double>(ints.back())) && ok;
      } else if (p.type == HEARTH_PARAM_FLOAT_LIST) {
        auto v = number(p, item);
        if (!v) { wrong_type(p, n, at); ok = false; continue; }
        floats.push_back(*v);
        ok = in_range(p, item, *v) && ok;
      } else {
        if (!item.is_string()) { wrong_type(p, n, at); ok = false; continue; }
        strings.push_back(*item.value<std::string>());
        ok = in_choices(p, item, strings.back()) && names_what_it_should(p, item, strings.back()) && ok;
      }
    }
    if (!ok) return std::nullopt;
    if (p.type == HEARTH_PARAM_INT_LIST) return ParamValue(ints);
    if (p.type == HEARTH_PARAM_FLOAT_LIST) return ParamValue(floats);
    return ParamValue(strings);
  }

  ParamValues run(const toml::table* table) {
    ParamValues values;
    std::vector<std::string> keys;
    for (const ParamInfo& p : module_.params) keys.push_back(p.key);
    if (table != nullptr) {
      for (auto&& [key, node] : *table) {
        std::string k(key.str());
        if (source_.reserved.count(k) || source_.bound.count(k)) continue;
        const ParamInfo* p = module_.param(k);
        if (p == nullptr) {
          std::string hint = did_you_mean(k, keys);
          if (hint.empty())
            hint = keys.empty()           ? " (it takes no parameters)"
                   : source_.host_table ? "; docs/jobs.md lists [" + module_.name + "]'s keys"
                                        : "; run `hearth plugins describe " + module_.name + "` for its keys";
          fail(key.source(), "unknown key '" + k + "'" + hint);
          continue;
        }
        if (auto v = convert(*p, node)) values.set(k, *v);
      }
    }
    for (const ParamInfo& p : module_.params) {
      if (values.find(p.key) || source_.bound.count(p.key)) continue;
      if (table && table->contains(p.key) && !source_.reserved.count(p.key)) continue;
      if (!p.default_toml) {
        fail(table ? table->source() : toml::source_region{},
             "missing required key '" + p.key + "' (" + param_type_name(p.type) + ": " + p.doc + ")");
        continue;
      }
      toml::table parsed = toml::parse("v = " + *p.default_toml);
      if (auto v = convert(p, *parsed.get("v"))) values.set(p.key, *v);
    }
    if (!errors_.empty()) {
      std::string all;
      for (const std::string& e : errors_) all += (all.empty() ? "" : "\n") + e;
      throw UsageError(all);
    }
    return values;
  }

 private:
  const ModuleInfo& module_;
  const ParamSource& source_;
  std::vector<std::string> errors_;
};

}  // namespace

ParamValues resolve_params(const ModuleInfo& module, const toml::table* table, const ParamSource& source) {
  return Checker(module, source).run(table);
}

ParamValues default_params(const ModuleInfo& module) {
  return resolve_params(module, nullptr, ParamSource{"<defaults>", module.name, {}});
}

}  // namespace hearth
