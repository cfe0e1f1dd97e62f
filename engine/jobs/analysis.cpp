#include "engine/jobs/analysis.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "engine/core/error.hpp"
#include "engine/data/batch_loader.hpp"
#include "engine/data/split_plan.hpp"
#include "engine/jobs/job_modules.hpp"
#include "engine/runs/run_folder.hpp"
#include "engine/params/host_keys.hpp"
#include "engine/params/param_resolver.hpp"
#include "engine/plots/picture_file.hpp"
#include "engine/runtime/library_loader.hpp"
#include "engine/runtime/modules/analyzer_module.hpp"
#include "engine/core/atomic_file.hpp"

namespace hearth {
namespace {

bool sees(const std::optional<SplitName>& wanted, SplitName s) { return !wanted || *wanted == s; }

}  // namespace

AnalyzerWeights run_analysis(const Job& job, const std::vector<ModuleSpec>& analyzers, const DatasetModule& data,
                             const AnalysisOptions& options) {
  return run_analysis(job, analyzers, data, make_split_plan(job, data), options);
}

AnalyzerWeights run_analysis(const Job& job, const std::vector<ModuleSpec>& analyzers, const DatasetModule& data,
                             const SplitPlan& plan, const AnalysisOptions& options) {
  AnalyzerWeights weights;
  if (analyzers.empty()) return weights;
  std::vector<AnalyzerOptions> resolved = resolve_analyzer_options(analyzers);
  std::optional<std::optional<SplitName>> forced;
  if (options.split) forced = parse_split_or_all(*options.split, "--split");
  std::vector<std::unique_ptr<AnalyzerModule>> modules;
  std::vector<std::optional<SplitName>> splits;
  std::vector<int64_t> seen(analyzers.size(), 0);
  for (size_t i = 0; i < analyzers.size(); ++i) {
    modules.push_back(std::make_unique<AnalyzerModule>(module_ref(analyzers[i]), analyzers[i].params));
    splits.push_back(forced ? *forced : resolved[i].split);
    modules.back()->start(data.tensor_names(), data.tensor_roles(), data.class_names());
  }
  // One pass per split, feeding every analyzer that wants it; stored order, so that an analyzer can
  // judge how the samples are ordered.
  for (SplitName s : {SplitName::train, SplitName::valid, SplitName::test}) {
    std::vector<size_t> wanting;
    for (size_t i = 0; i < modules.size(); ++i)
      if (sees(splits[i], s)) wanting.push_back(i);
    std::vector<int64_t> ids = plan.indices(s).to_vector();
    if (wanting.empty() || ids.empty()) continue;
    std::sort(ids.begin(), ids.end());
    BatchLoader loader(data, plan.source(s), ids, 256, false, job.options.general.seed, job.options.data.workers);
    loader.start_epoch(0);
    while (auto batch = loader.next())
      for (int64_t k = 0; k < batch->size; ++k) {
        std::vector<at::Tensor> sample;
        for (const at::Tensor& c : batch->columns) sample.push_back(c[k]);
        for (size_t i : wanting) {
          modules[i]->take(sample);
          ++seen[i];
        }
      }
  }
  nlohmann::json summary = nlohmann::json::object();
  if (!options.out_dir.empty()) fs::create_directories(options.out_dir);
  for (size_t i = 0; i < modules.size(); ++i) {
    const std::string& name = resolved[i].name;
    const std::string split = splits[i] ? split_label(*splits[i]) : "all";
    if (seen[i] == 0)
      throw UsageError("[" + analyzers[i].table + "] " + name + " saw no samples: the " + split +
                       " split is empty for this dataset; choose another split");
    modules[i]->finish();
    nlohmann::json entry = {{"plugin", analyzers[i].entry->pack + ":" + analyzers[i].entry->info.name},
                            {"split", split},
                            {"samples", seen[i]}};
    nlohmann::json values = nlohmann::json::object();
    for (const auto& [k, v] : modules[i]->summary()) {
      // Numbers as JSON numbers, so that scripts read them without parsing text.
      size_t used = 0;
      double number = 0;
      try {
        number = std::stod(v, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == v.size() && !v.empty() && std::isfinite(number)) values[k] = number;
      else values[k] = v;
    }
    entry["summary"] = values;
    if (auto w = modules[i]->class_weights()) {
      at::Tensor t = w->to(at::kDouble).contiguous();
      std::vector<double> v(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
      weights[name] = v;
      entry["class_weights"] = v;
    }
    if (!options.out_dir.empty()) {
      fs::path png = options.out_dir / (name + ".png");
      write_picture(png, options.report_width, options.report_height,
                    [&](cairo_t* cr, int w, int h) { modules[i]->report(cr, w, h); });
      entry["report"] = png.filename().string();
      spdlog::info("analyzer {}: {} samples of {}; report {}", name, seen[i], split, png.string());
    }
    summary[name] = entry;
  }
  if (!options.out_dir.empty()) write_file_atomically(options.out_dir / "summary.json", summary.dump(2) + "\n");
  return weights;
}

std::vector<ModuleSpec> default_analyzers(const PluginRegistry& registry, bool has_classes) {
  std::vector<ModuleSpec> out;
  std::vector<std::string> wanted;
  if (has_classes) wanted.push_back("multiclass");
  wanted.push_back("values_distribution");
  for (size_t i = 0; i < wanted.size(); ++i) {
    ModuleSpec spec;
    spec.entry = &registry.find(HEARTH_CATEGORY_ANALYZER, wanted[i]);
    spec.table = "analyzers[" + std::to_string(i) + "]";
    spec.params = default_params(spec.entry->info);
    ModuleInfo host;
    host.name = "analyzer";
    host.params = analyzer_keys().schema();
    spec.host = default_params(host);
    out.push_back(std::move(spec));
  }
  return out;
}

ParamValues with_analyzer_values(const ModuleSpec& spec, const AnalyzerWeights& weights) {
  ParamValues out = spec.params;
  for (const auto& [key, name] : spec.from_analyzer) {
    auto it = weights.find(name);
    if (it == weights.end())
      throw UsageError("[" + spec.table + "] " + key + " = \"analyzer:" + name + "\", but analyzer " + name +
                       " offers no class weights; use multiclass (single labels) or multilabel");
    out.set(key, it->second);
  }
  return out;
}

}  // namespace hearth
