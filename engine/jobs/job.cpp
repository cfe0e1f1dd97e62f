#include "engine/jobs/job.hpp"
#include "engine/jobs/job_overrides.hpp"

#include <regex>
#include <set>
#include <sstream>

#include "engine/core/byte_text.hpp"
#include "engine/core/category.hpp"
#include "engine/core/error.hpp"
#include "engine/data/transform_steps.hpp"
#include "engine/params/host_schemas.hpp"
#include "engine/params/param_resolver.hpp"
#include "engine/params/suggest.hpp"

namespace hearth {
namespace {

const std::vector<std::string> kSections = {"job",       "dataset", "analyzers", "model",   "losses", "metrics",
                                            "optimizer", "scheduler", "train",   "renders", "export", "sweep", "distributed",
                                            "transforms"};
/// A value's position: file:line:col in the job, or for a value an override set, the override's
/// own origin ("--set train.epochs=-3", "sweep.toml:12:20 (trial 3)").
std::string where(const std::string& file, const toml::source_region& r) {
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
    // One schema for the table: the plugin's keys and the host's, so that "did you mean" sees both.
    ModuleInfo combined = spec.entry->info;
    for (const ParamInfo& h : host_schema)
      if (!combined.param(h.key)) combined.params.push_back(h);
    try {
      ParamValues all = resolve_params(combined, t, ParamSource{file_, table_name, skipped, data_folder_});
      for (const auto& [key, value] : all.all()) {
        bool is_host = false;
        for (const ParamInfo& h : host_schema) is_host |= h.key == key && !spec.entry->info.param(key);
        (is_host ? spec.host : spec.params).set(key, value);
      }
    } catch (const UsageError& e) {
      errors_.push_back(e.what());
    }
    return spec;
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
      m.params = transform_schema(which);
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

/// `text` as an index into an array of `size` entries: digits only, in range.
size_t array_index(const std::string& text, const std::string& assignment, size_t size) {
  const bool digits = !text.empty() && text.size() < 10 && text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits)
    throw UsageError("--set '" + assignment + "': '" + text + "' names an entry of a list; use its index (0, 1, ...), e.g. " +
                     "losses.0.weight=2");
  const size_t index = std::stoul(text);
  if (index >= size)
    throw UsageError("--set '" + assignment + "': the job has no entry " + text + " there (it has " + std::to_string(size) + ")");
  return index;
}

void apply_set(toml::table& doc, const std::string& assignment, const std::string& origin) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UsageError("--set '" + assignment + "' must look like section.key=value (e.g. train.epochs=3)");
  std::string path = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  std::vector<std::string> parts;
  std::stringstream ss(path);
  for (std::string part; std::getline(ss, part, '.');) parts.push_back(part);
  if (parts.empty()) throw UsageError("--set '" + assignment + "': name a section and a key, e.g. train.epochs=3");
  toml::node* node = &doc;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (auto* t = node->as_table()) {
      if (!t->contains(parts[i])) t->insert(parts[i], toml::table{});
      node = t->get(parts[i]);
    } else if (auto* a = node->as_array()) {
      const size_t index = array_index(parts[i], assignment, a->size());
      node = a->get(index);
    } else {
      throw UsageError("--set '" + assignment + "': '" + parts[i] + "' is not a table");
    }
  }
  toml::table parsed;
  try {
    // Named by its origin, so that a bad value is blamed on the override, not on the job's line 1.
    parsed = toml::parse("v = " + text, origin);
  } catch (const toml::parse_error&) {
    std::ostringstream quoted;  // a bare word is a string: --set model.activation=tanh
    quoted << toml::value<std::string>(text);
    parsed = toml::parse("v = " + quoted.str(), origin);
  }
  // Moved, not copied: toml++ copies no source regions.
  toml::node_view<toml::node> value = parsed["v"];
  auto place = [&](auto&& insert) {
    value.visit([&](auto& v) { insert(std::move(v)); });
  };
  if (auto* t = node->as_table()) {
    // The key too carries the origin: an unknown key an override made is blamed on it.
    const toml::key key(parts.back(), value.node()->source());
    place([&](auto&& v) { t->insert_or_assign(key, std::move(v)); });  // a whole section too: --set "model={plugin='cnn'}"
  } else if (auto* a = node->as_array()) {
    const size_t index = array_index(parts.back(), assignment, a->size());
    place([&](auto&& v) { a->replace(a->begin() + static_cast<std::ptrdiff_t>(index), std::move(v)); });
  } else {
    throw UsageError("--set '" + assignment + "': its parent is not a table");
  }
}

void append_table(std::ostringstream& os, const std::string& header, const ModuleSpec* spec, const ParamValues* host) {
  os << header << "\n";
  if (spec) os << "plugin = \"" << (spec->entry->pack + ":" + spec->entry->info.name) << "\"\n";
  if (host)
    for (const auto& [k, v] : host->all()) os << k << " = " << to_toml_text(v) << "\n";
  if (spec) {
    for (const auto& [k, v] : spec->params.all())
      if (!spec->from_analyzer.count(k)) os << k << " = " << to_toml_text(v) << "\n";
    for (const auto& [k, name] : spec->from_analyzer) os << k << " = \"analyzer:" << name << "\"\n";
  }
  os << "\n";
}

}  // namespace

/// The job's name is a folder under the runs folder: `../x`, `/x` or a newline would put runs
/// elsewhere or break listings. Names follow `[A-Za-z0-9][A-Za-z0-9._-]*` (at most 128); a file
/// name that does not is no default either.
void check_job_name(const Job& job, JobLoader& loader) {
  static const std::regex name_re("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  const ParamValue* given = job.job.find("name");
  std::string name = given ? std::get<std::string>(*given) : std::string();
  const bool from_file = name.empty();
  if (from_file) name = job.file.stem().string();
  if (std::regex_match(name, name_re)) return;
  const toml::node* n = job.document.at_path("job.name").node();
  loader.error(n ? n->source() : toml::source_region{},
               std::string(from_file ? "the job's name comes from its file name '" : "[job] name = '") + printable(name) +
                   "', which is not [A-Za-z0-9][A-Za-z0-9._-]* (at most 128): runs go to a folder of that name; " +
                   (from_file ? "set [job] name" : "choose a plain name"));
}

Job load_job(const fs::path& file, const std::vector<std::string>& sets, const PluginRegistry& registry,
             const fs::path& data_folder) {
  std::vector<JobOverride> overrides;
  for (const std::string& s : sets) overrides.push_back({s, "--set " + s});
  return load_job_with(file, overrides, registry, data_folder);
}

Job load_job_with(const fs::path& file, const std::vector<JobOverride>& overrides, const PluginRegistry& registry,
                  const fs::path& data_folder) {
  Job job;
  job.file = fs::absolute(file).lexically_normal();
  std::error_code ec;
  if (!fs::is_regular_file(job.file, ec)) throw UsageError(file.string() + ": no such job file");
  try {
    job.document = toml::parse_file(job.file.string());
  } catch (const toml::parse_error& e) {
    throw UsageError(where(job.file.string(), e.source()) + ": not valid TOML: " + std::string(e.description()));
  }
  for (const JobOverride& o : overrides) apply_set(job.document, o.assignment, o.origin);

  JobLoader loader(job.file, data_folder.empty() ? job.file.parent_path() : fs::absolute(data_folder), registry);
  for (auto&& [key, node] : job.document) {
    std::string k(key.str());
    // [sweep] belongs to `hearth sweep` (engine/sweeps), which checks it; a job trains without it.
    if (std::find(kSections.begin(), kSections.end(), k) == kSections.end())
      loader.error(key.source(), "unknown section [" + k + "]" + did_you_mean(k, kSections));
  }
  auto table = [&](const char* name) -> const toml::table* {
    const toml::node* n = job.document.get(name);
    if (n && !n->is_table()) {
      loader.error(n->source(), std::string("[") + name + "] must be a table");
      return nullptr;
    }
    return n ? n->as_table() : nullptr;
  };
  job.job = loader.host_table("job", table("job"), job_schema());
  job.train = loader.host_table("train", table("train"), train_schema());
  job.distributed = loader.host_table("distributed", table("distributed"), distributed_schema());
  if (job.document.get("export")) job.export_step = loader.host_table("export", table("export"), export_schema());
  auto required = [&](const char* name, hearth_category cat, const std::vector<ParamInfo>& host) {
    const toml::node* n = job.document.get(name);
    if (!n) {
      loader.errors_.push_back(job.file.string() + ": the job has no [" + name + "] table; add one with plugin = \"<" +
                               category_name(cat) + ">\"");
      return ModuleSpec{};
    }
    auto m = loader.module(cat, name, n, host);
    return m ? *m : ModuleSpec{};
  };
  job.dataset = required("dataset", HEARTH_CATEGORY_DATASET, dataset_host_schema());
  job.analyzers = loader.module_array(HEARTH_CATEGORY_ANALYZER, "analyzers", job.document.get("analyzers"), analyzer_host_schema());
  job.model = required("model", HEARTH_CATEGORY_MODEL, model_host_schema());
  job.optimizer = required("optimizer", HEARTH_CATEGORY_OPTIMIZER, {});
  job.losses = loader.module_array(HEARTH_CATEGORY_LOSS, "losses", job.document.get("losses"), loss_host_schema());
  if (job.losses.empty() && !job.document.get("losses"))
    loader.errors_.push_back(job.file.string() + ": the job has no [[losses]] table; add one per model output");
  job.metrics = loader.module_array(HEARTH_CATEGORY_METRIC, "metrics", job.document.get("metrics"), metric_host_schema());
  job.renders = loader.module_array(HEARTH_CATEGORY_RENDERER, "renders", job.document.get("renders"), render_host_schema());
  job.transforms = loader.transform_array(job.document.get("transforms"));
  if (const toml::node* s = job.document.get("scheduler")) job.scheduler = loader.module(HEARTH_CATEGORY_SCHEDULER, "scheduler", s, {});
  std::vector<std::string> analyzer_names = unique_names(job.analyzers);
  for (const auto& ref : loader.analyzer_refs_)
    if (std::find(analyzer_names.begin(), analyzer_names.end(), ref.name) == analyzer_names.end())
      loader.error(ref.where, "[" + ref.table + "] refers to analyzer '" + ref.name + "', but the job's [[analyzers]] are: " +
                                  (analyzer_names.empty() ? std::string("none; add [[analyzers]] plugin = \"") + ref.name + "\""
                                                          : [&] {
                                                              std::string all;
                                                              for (const auto& n : analyzer_names) all += (all.empty() ? "" : ", ") + n;
                                                              return all + did_you_mean(ref.name, analyzer_names);
                                                            }()));
  if (const ParamValue* d = job.job.find("device")) {
    std::string dev = std::get<std::string>(*d);
    bool ok = dev == "auto" || dev == "cpu" || dev == "cuda";
    if (dev.rfind("cuda:", 0) == 0 && dev.size() > 5 && dev.find_first_not_of("0123456789", 5) == std::string::npos) ok = true;
    if (!ok) {
      const toml::node* n = job.document.at_path("job.device").node();
      loader.error(n ? n->source() : toml::source_region{}, "[job] device = \"" + dev + "\" must be auto, cpu, cuda or cuda:N");
    }
  }
  check_job_name(job, loader);
  loader.finish();
  job.options = resolve_job_options(job);
  return job;
}

std::string Job::resolved_toml() const {
  std::ostringstream os;
  os << "# Resolved job: every default filled in, every module pinned to its pack.\n"
     << "# Source: " << file.string() << "\n\n";
  append_table(os, "[job]", nullptr, &job);
  append_table(os, "[dataset]", &dataset, &dataset.host);
  for (const ModuleSpec& a : analyzers) append_table(os, "[[analyzers]]", &a, &a.host);
  append_table(os, "[model]", &model, &model.host);
  for (const ModuleSpec& l : losses) append_table(os, "[[losses]]", &l, &l.host);
  for (const ModuleSpec& m : metrics) append_table(os, "[[metrics]]", &m, &m.host);
  append_table(os, "[optimizer]", &optimizer, nullptr);
  if (scheduler) append_table(os, "[scheduler]", &*scheduler, nullptr);
  append_table(os, "[train]", nullptr, &train);
  append_table(os, "[distributed]", nullptr, &distributed);
  if (export_step) append_table(os, "[export]", nullptr, &*export_step);
  for (const ModuleSpec& r : renders) append_table(os, "[[renders]]", &r, &r.host);
  for (const TransformSpec& t : transforms) {
    os << "[[transforms]]\nop = \"" << t.op << "\"\n";
    for (const auto& [k, v] : t.params.all()) os << k << " = " << to_toml_text(v) << "\n";
    os << "\n";
  }
  return os.str();
}

std::vector<std::string> unique_names(const std::vector<ModuleSpec>& specs) {
  std::vector<std::string> names;
  std::map<std::string, int> seen;
  for (const ModuleSpec& s : specs) {
    if (!s.entry) {
      names.emplace_back();
      continue;
    }
    int n = seen[s.entry->info.name]++;
    names.push_back(s.entry->info.name + (n ? "_" + std::to_string(n) : ""));
  }
  return names;
}

}  // namespace hearth
