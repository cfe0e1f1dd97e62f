#include "engine/jobs/job.hpp"
#include "engine/jobs/job_overrides.hpp"

#include <regex>

#include "engine/jobs/job_loader.hpp"

namespace hearth {

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
  return load_job_with(file, set_overrides(sets), registry, data_folder, false);
}

Job load_job_with(const fs::path& file, const std::vector<JobOverride>& overrides, const PluginRegistry& registry,
                  const fs::path& data_folder, bool program_data) {
  Job job;
  job.registry = &registry;
  job.program_data = program_data;
  job.file = fs::absolute(file).lexically_normal();
  std::error_code ec;
  if (!fs::is_regular_file(job.file, ec)) throw UsageError(file.string() + ": no such job file");
  try {
    job.document = toml::parse_file(job.file.string());
  } catch (const toml::parse_error& e) {
    throw UsageError(where(job.file.string(), e.source()) + ": not valid TOML: " + std::string(e.description()));
  }
  for (const JobOverride& o : overrides) apply_override(job.document, o);

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
  job.job = loader.host_table("job", table("job"), job_keys().schema());
  job.train = loader.host_table("train", table("train"), train_keys().schema());
  job.distributed = loader.host_table("distributed", table("distributed"), distributed_keys().schema());
  if (job.document.get("export")) job.export_step = loader.host_table("export", table("export"), export_keys().schema());
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
  if (!program_data || job.document.get("dataset")) job.dataset = required("dataset", HEARTH_CATEGORY_DATASET, dataset_keys().schema());
  job.analyzers = loader.module_array(HEARTH_CATEGORY_ANALYZER, "analyzers", job.document.get("analyzers"), analyzer_keys().schema());
  job.model = required("model", HEARTH_CATEGORY_MODEL, model_keys().schema());
  job.optimizer = required("optimizer", HEARTH_CATEGORY_OPTIMIZER, {});
  job.losses = loader.module_array(HEARTH_CATEGORY_LOSS, "losses", job.document.get("losses"), loss_keys().schema());
  if (job.losses.empty() && !job.document.get("losses"))
    loader.errors_.push_back(job.file.string() + ": the job has no [[losses]] table; add one per model output");
  job.metrics = loader.module_array(HEARTH_CATEGORY_METRIC, "metrics", job.document.get("metrics"), metric_keys().schema());
  job.renders = loader.module_array(HEARTH_CATEGORY_RENDERER, "renders", job.document.get("renders"), render_keys().schema());
  job.diagnostics = loader.module_array(HEARTH_CATEGORY_DIAGNOSTIC, "diagnostics", job.document.get("diagnostics"),
                                       diagnostic_keys().schema());
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
    // Parsed here too, where the value's line is known; resolution parses it again, for good.
    try {
      parse_device_request(std::get<std::string>(*d));
    } catch (const UsageError& e) {
      const toml::node* n = job.document.at_path("job.device").node();
      loader.error(n ? n->source() : toml::source_region{}, std::string("[job] device = ") + e.what());
    }
  }
  if (!job.dataset.entry && job.document.get("dataset") == nullptr) {
    // A program-fed job has no dataset to take values from; nor do its analyzers have data.
    std::vector<const ModuleSpec*> specs = {&job.model};
    for (const ModuleSpec& l : job.losses) specs.push_back(&l);
    for (const ModuleSpec& m : job.metrics) specs.push_back(&m);
    for (const ModuleSpec* s : specs)
      for (const auto& [key, property] : s->from_dataset)
        loader.errors_.push_back(job.file.string() + ": [" + s->table + "] " + key + " = \"dataset:" + property +
                                 "\" needs a [dataset]; a job whose program supplies the data gives the value itself");
    if (!job.analyzers.empty()) loader.errors_.push_back(job.file.string() + ": [[analyzers]] need a [dataset] to analyze");
  }
  check_job_name(job, loader);
  loader.finish();
  job.options = resolve_job_options(job);
  return job;
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
