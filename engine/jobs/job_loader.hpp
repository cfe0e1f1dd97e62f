// Validation of a job's tables against the schemas of its plugins and of the host, collecting
// every problem (file:line:column) so that the user fixes them in one go. Used by load_job only.
#pragma once

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/core/byte_text.hpp"
#include "engine/core/category.hpp"
#include "engine/core/error.hpp"
#include "engine/jobs/dataset_bindings.hpp"
#include "engine/jobs/job.hpp"
#include "engine/params/host_keys.hpp"
#include "engine/params/param_resolver.hpp"
#include "engine/params/suggest.hpp"
#include "engine/params/transform_steps.hpp"

namespace hearth {

inline const std::vector<std::string> kSections = {"job",       "dataset", "analyzers", "model",   "losses", "metrics",
                                            "optimizer", "scheduler", "train",   "renders", "export", "sweep", "distributed",
                                            "transforms", "diagnostics"};
/// A value's position: file:line:col in the job, or for a value an override set, the override's
/// own origin ("--set train.epochs=-3", "sweep.toml:12:20 (trial 3)").
inline std::string where(const std::string& file, const toml::source_region& r) {
  if (r.path && !r.path->empty() && *r.path != file) return *r.path;
  return r.begin.line ? file + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column) : file;
}

/// Collects every problem of a job so that the user fixes them in one go.
class JobLoader {
 public:
  JobLoader(const fs::path& file, const fs::path& data_folder, const PluginRegistry& reg)
      : file_(file.string()), data_folder_(data_folder.string()), reg_(reg) {}

  void error(const toml::source_region& r, const std::string& message) {
    errors_.push_back(where(file_, r) + ": " + message);
  }

  ParamValues host_table(const std::string& name, const toml::table* t, const std::vector<ParamInfo>& schema) {
    ModuleInfo m;
    m.name = name;
    m.params = schema;
    try {
      ParamSource source{file_, name, {}};
      source.host_table = true;
      return resolve_params(m, t, source);
    } catch (const UsageError& e) {
      errors_.push_back(e.what());
      return {};
    }
  }

  std::optional<ModuleSpec> module(hearth_category cat, const std::string& table_name, const toml::node* node,
                                   const std::vector<ParamInfo>& host_schema) {
    const toml::table* t = node ? node->as_table() : nullptr;
    if (node && !t) {
      error(node->source(), "[" + table_name + "] must be a table");
      return std::nullopt;
    }
    if (!t) return std::nullopt;
    const toml::node* plugin = t->get("plugin");
    if (!plugin || !plugin->is_string()) {
      error(plugin ? plugin->source() : t->source(),
            "[" + table_name + "] needs plugin = \"<" + category_name(cat) + " name>\"; `hearth plugins --category " +
                category_name(cat) + "` lists them");
      return std::nullopt;
    }
    ModuleSpec spec;
    spec.table = table_name;
    try {
      spec.entry = &reg_.find(cat, *plugin->value<std::string>());
    } catch (const UsageError& e) {
      error(plugin->source(), std::string("[") + table_name + "] " + e.what());
      return std::nullopt;
    }
    // `key = "analyzer:NAME"`: the value comes from an analyzer of the job, once it has seen the data.
    // Those keys are left out of the table's check by name: a copy of the table without them would
    // lose every value's file:line:col (toml++ copies no source regions).
    std::set<std::string> skipped = {"plugin"};
    for (const auto& [k, v] : *t) {
      const std::string* text = v.as_string() ? &v.as_string()->get() : nullptr;
      if (!text || text->rfind("analyzer:", 0) != 0) continue;
      const ParamInfo* param = spec.entry->info.param(std::string(k.str()));
      if (!param || param->type != HEARTH_PARAM_FLOAT_LIST) {
        error(v.source(), "[" + table_name + "] " + std::string(k.str()) +
                              " cannot come from an analyzer: only lists of numbers (like class weights) can");
        continue;
      }
      spec.from_analyzer[std::string(k.str())] = text->substr(9);
      analyzer_refs_.push_back({text->substr(9), v.source(), table_name});
      skipped.insert(std::string(k.str()));
    }
    std::set<std::string> bound = dataset_bindings(cat, table_name, *t, spec);
    // One schema for the table: the plugin's keys and the host's, so that "did you mean" sees both.
    ModuleInfo combined = spec.entry->info;
    for (const ParamInfo& h : host_schema) {
      if (combined.param(h.key)) {
        error(t->source(), "[" + table_name + "] plugin " + spec.entry->file.string() + " declares a parameter '" + h.key +
                               "', a key Hearth keeps for [" + table_name + "] itself; the plugin must rename it");
        return std::nullopt;
      }
      combined.params.push_back(h);
    }
    try {
      ParamSource source{file_, table_name, skipped, data_folder_};
      source.bound = bound;
      ParamValues all = resolve_params(combined, t, source);
      for (const auto& [key, value] : all.all()) {
        bool is_host = false;
        for (const ParamInfo& h : host_schema) is_host |= h.key == key;
        (is_host ? spec.host : spec.params).set(key, value);
      }
    } catch (const UsageError& e) {
      errors_.push_back(e.what());
    }
    return spec;
  }

  /// `key = "dataset:PROPERTY"` keys of a [model], [[losses]] or [[metrics]] table, recorded in
  /// spec.from_dataset once the property exists and fits the key's type; their names.
  std::set<std::string> dataset_bindings(hearth_category cat, const std::string& table_name, const toml::table& t,
                                         ModuleSpec& spec) {
    std::set<std::string> keys;
    for (const auto& [k, v] : t) {
      const std::string* text = v.as_string() ? &v.as_string()->get() : nullptr;
      if (!text || text->rfind("dataset:", 0) != 0) continue;
      const std::string key(k.str()), name = text->substr(8);
      keys.insert(key);
      const ParamInfo* param = spec.entry->info.param(key);
      std::optional<DatasetProperty> property = find_dataset_property(name);
      std::string known;
      for (const DatasetProperty& p : dataset_properties()) known += (known.empty() ? "" : ", ") + p.name;
      if (cat != HEARTH_CATEGORY_MODEL && cat != HEARTH_CATEGORY_LOSS && cat != HEARTH_CATEGORY_METRIC)
        error(v.source(), "[" + table_name + "] " + key + " cannot take a dataset property: only [model], [[losses]] and [[metrics]] keys can");
      else if (!property)
        error(v.source(), "[" + table_name + "] " + key + " = \"" + printable(*text) + "\": the dataset has no property '" +
                              printable(name) + "'; these exist: " + known);
      else if (!param)
        error(v.source(), "[" + table_name + "] unknown key '" + key + "'; run `hearth plugins describe " + spec.entry->info.name +
                              "` for its keys");
      else if (param->type != property->type)
        error(v.source(), "[" + table_name + "] " + key + " takes " + param_type_name(param->type) + " values, but dataset:" + name +
                              " gives " + (property->type == HEARTH_PARAM_INT_LIST ? "an " : "") + param_type_name(property->type) +
                              " (" + property->doc + ")");
      else
        spec.from_dataset[key] = name;
    }
    return keys;
  }

  std::vector<ModuleSpec> module_array(hearth_category cat, const std::string& name, const toml::node* node,
                                       const std::vector<ParamInfo>& host_schema) {
    std::vector<ModuleSpec> out;
    if (!node) return out;
    const toml::array* a = node->as_array();
    if (!a) {
      error(node->source(), "'" + name + "' must be an array of tables: write [[" + name + "]]");
      return out;
    }
    for (size_t i = 0; i < a->size(); ++i)
      if (auto m = module(cat, name + "[" + std::to_string(i) + "]", a->get(i), host_schema)) out.push_back(*m);
    return out;
  }

  /// [[transforms]]: each table's `op` one of the known ones, its keys validated against that op.
  std::vector<TransformSpec> transform_array(const toml::node* node) {
    std::vector<TransformSpec> out;
    if (!node) return out;
    const toml::array* a = node->as_array();
    if (!a) {
      error(node->source(), "'transforms' must be an array of tables: write [[transforms]]");
      return out;
    }
    const std::vector<std::string>& ops = transform_op_names();
    for (size_t i = 0; i < a->size(); ++i) {
      const std::string name = "transforms[" + std::to_string(i) + "]";
      const toml::table* t = a->get(i)->as_table();
      const toml::node* op = t ? t->get("op") : nullptr;
      if (!t || !op || !op->is_string()) {
        error(a->get(i)->source(), "[[transforms]] needs op = \"<one of " + [&] {
          std::string all;
          for (const auto& o : ops) all += (all.empty() ? "" : ", ") + o;
          return all;
        }() + ">\"");
        continue;
      }
      const std::string which = op->as_string()->get();
      if (std::find(ops.begin(), ops.end(), which) == ops.end()) {
        error(op->source(), "[[transforms]] op = \"" + printable(which) + "\" is not a transform" + did_you_mean(which, ops));
        continue;
      }
      ModuleInfo m;
      m.name = which;
      m.params = transform_keys(static_cast<TransformStep::Op>(std::find(ops.begin(), ops.end(), which) - ops.begin())).schema();
      try {
        ParamSource source{file_, name, {"op"}};
        source.host_table = true;
        out.push_back({which, name, resolve_params(m, t, source)});
      } catch (const UsageError& e) {
        errors_.push_back(e.what());
      }
    }
    return out;
  }

  void finish() {
    if (errors_.empty()) return;
    std::string all;
    for (const std::string& e : errors_) all += (all.empty() ? "" : "\n") + e;
    throw UsageError(all);
  }

  struct AnalyzerRef {
    std::string name;
    toml::source_region where;
    std::string table;
  };
  std::vector<AnalyzerRef> analyzer_refs_;
  std::vector<std::string> errors_;

 private:
  std::string file_;
  std::string data_folder_;
  const PluginRegistry& reg_;
};

}  // namespace hearth
