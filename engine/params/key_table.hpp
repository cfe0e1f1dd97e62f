// The keys of one host table, each declared once: its schema row (type, default, doc, bounds,
// choices) bound to the typed field it fills, the way CLI11 binds an option to a member. From the
// one declaration come the schema that validates a job, the docs row (`hearth plugins
// --markdown`), the defaults, and the typed options a validated table resolves into. Torch-free:
// sweeps and the studio read a job's settings through the same tables.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/core/plugin_info.hpp"
#include "engine/params/param_resolver.hpp"
#include "engine/params/param_values.hpp"

namespace hearth {

/// A schema row for custom(): a key, its type, its default (nullopt: required) and its doc.
inline ParamInfo key_row(const char* key, hearth_param_type type, std::optional<std::string> def, const char* doc,
                         std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt) {
  ParamInfo info;
  info.key = key;
  info.type = type;
  info.default_toml = std::move(def);
  info.doc = doc;
  info.min = min;
  info.max = max;
  return info;
}

template <class Options>
class KeyTable {
 public:
  /// Turns a key's validated value into fields of the options; throws UsageError (without the
  /// file, which resolve() adds) for a value the schema alone cannot refuse.
  using Apply = std::function<void(Options&, const ParamValue&)>;

  /// `table` names the table in messages: "train", "dataset", "transforms".
  explicit KeyTable(std::string table) : table_(std::move(table)) {}

  /// An integer key filling an integer field of any width. `def` nullopt: the key is required.
  template <class Int>
  KeyTable& integer(const char* key, Int Options::*field, std::optional<int64_t> def, const char* doc,
                    std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt) {
    static_assert(std::is_integral_v<Int>, "integer() fills an integer field");
    return add(row(key, HEARTH_PARAM_INT, text_of(def), doc, min, max),
               [field](Options& o, const ParamValue& v) { o.*field = static_cast<Int>(std::get<int64_t>(v)); });
  }

  KeyTable& number(const char* key, double Options::*field, double def, const char* doc,
                   std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt) {
    return add(row(key, HEARTH_PARAM_FLOAT, to_toml_text(def), doc, min, max),
               [field](Options& o, const ParamValue& v) { o.*field = std::get<double>(v); });
  }

  KeyTable& flag(const char* key, bool Options::*field, bool def, const char* doc) {
    return add(row(key, HEARTH_PARAM_BOOL, to_toml_text(def), doc),
               [field](Options& o, const ParamValue& v) { o.*field = std::get<bool>(v); });
  }

  /// A string key; with `choices`, only those words.
  KeyTable& text(const char* key, std::string Options::*field, const std::string& def, const char* doc,
                 std::vector<std::string> choices = {}) {
    return add(row(key, HEARTH_PARAM_STRING, to_toml_text(def), doc, std::nullopt, std::nullopt, std::move(choices)),
               [field](Options& o, const ParamValue& v) { o.*field = std::get<std::string>(v); });
  }

  /// A list of strings, each one of `choices` when given.
  KeyTable& texts(const char* key, std::vector<std::string> Options::*field, const std::vector<std::string>& def,
                  const char* doc, std::vector<std::string> choices = {}) {
    return add(row(key, HEARTH_PARAM_STRING_LIST, to_toml_text(def), doc, std::nullopt, std::nullopt, std::move(choices)),
               [field](Options& o, const ParamValue& v) { o.*field = std::get<std::vector<std::string>>(v); });
  }

  /// A word that stands for a value of the field's own type: an enum, a flag ("skip" is true),
  /// nullopt for "all". The words are the key's choices; `def` is one of them.
  template <class T>
  KeyTable& choice(const char* key, T Options::*field, std::vector<std::pair<std::string, T>> words, const std::string& def,
                   const char* doc) {
    std::vector<std::string> choices;
    for (const auto& w : words) choices.push_back(w.first);
    return add(row(key, HEARTH_PARAM_STRING, to_toml_text(def), doc, std::nullopt, std::nullopt, std::move(choices)),
               [field, words = std::move(words)](Options& o, const ParamValue& v) {
                 for (const auto& w : words)
                   if (w.first == std::get<std::string>(v)) o.*field = w.second;
               });
  }

  /// A key whose value needs more than a copy (a parsed device, a pair of bounds, a name whose
  /// default is the file's): the row is declared here all the same, with what turns it into fields.
  KeyTable& custom(ParamInfo info, Apply apply) { return add(std::move(info), std::move(apply)); }

  /// The table's schema, in declaration order: what validates a job and prints the docs.
  const std::vector<ParamInfo>& schema() const { return rows_; }

  /// The options a validated table gives. `where` ("job.toml: [train]") prefixes a value the
  /// schema let through but a binding refuses. A key missing after validation is an engine bug.
  Options resolve(const ParamValues& values, const std::string& where) const {
    Options o{};  // validation supplied every default: resolve_params fills them in
    for (size_t i = 0; i < rows_.size(); ++i) {
      const ParamValue* v = values.find(rows_[i].key);
      if (v == nullptr) {
        if (!rows_[i].default_toml) continue;  // a required key the table's kind leaves out
        throw Error("internal error: [" + table_ + "] " + rows_[i].key + " has no value after validation");
      }
      try {
        apply_[i](o, *v);
      } catch (const UsageError& e) {
        throw UsageError(where + " " + rows_[i].key + ": " + e.what());
      } catch (const std::bad_variant_access&) {
        throw Error("internal error: [" + table_ + "] " + rows_[i].key + " has a value of another type after validation");
      }
    }
    return o;
  }

  /// Validates `table` of `file` (null: the file has none) as a job's host table, then resolves
  /// it: what reads one table of a job without loading the job (sweeps, the studio). Throws
  /// UsageError naming file, line and key.
  Options read(const toml::table* table, const std::string& file) const {
    ModuleInfo info;
    info.name = table_;
    info.params = rows_;
    ParamSource source{file, table_};
    source.host_table = true;
    return resolve(resolve_params(info, table, source), file + ": [" + table_ + "]");
  }

  /// Every field at its declared default (required keys leave theirs value-initialised).
  Options defaults() const {
    Options o{};
    for (size_t i = 0; i < rows_.size(); ++i)
      if (rows_[i].default_toml) apply_[i](o, check_default(rows_[i]));
    return o;
  }

  /// The declared default of `key` as TOML text; throws Error for a key the table lacks.
  const std::string& default_text(const std::string& key) const {
    for (const ParamInfo& r : rows_)
      if (r.key == key && r.default_toml) return *r.default_toml;
    throw Error("internal error: [" + table_ + "] declares no default for " + key);
  }

 private:
  static std::optional<std::string> text_of(std::optional<int64_t> v) {
    return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt;
  }
  static ParamInfo row(const char* key, hearth_param_type type, std::optional<std::string> def, const char* doc,
                       std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt,
                       std::vector<std::string> choices = {}) {
    ParamInfo info = key_row(key, type, std::move(def), doc, min, max);
    info.choices = std::move(choices);
    return info;
  }
  KeyTable& add(ParamInfo info, Apply apply) {
    rows_.push_back(std::move(info));
    apply_.push_back(std::move(apply));
    return *this;
  }

  std::string table_;
  std::vector<ParamInfo> rows_;
  std::vector<Apply> apply_;
};

}  // namespace hearth
