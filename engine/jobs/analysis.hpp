// The analyze step: every analyzer of a job sees the samples of its split once, in the dataset's
// stored order; each draws a report (analysis/<name>.png) and its summary and class weights go to
// analysis/summary.json. Class weights then fill `key = "analyzer:NAME"` references of the job.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/discovery/plugin_registry.hpp"
#include "engine/jobs/job.hpp"
#include "engine/runtime/modules/dataset_module.hpp"

namespace hearth {

/// Class weights offered by analyzers, by the analyzer's unique name ("multiclass").
using AnalyzerWeights = std::map<std::string, std::vector<double>>;

struct AnalysisOptions {
  std::filesystem::path out_dir;     ///< where reports and summary.json go; empty: write nothing
  std::optional<std::string> split;  ///< overrides each analyzer's split: train, valid, test or all
  int report_width = 960, report_height = 600;
};

class SplitPlan;

/// Runs `analyzers` over the splits of `plan` and returns the class weights they offer. Throws
/// PluginError naming the analyzer when one fails.
AnalyzerWeights run_analysis(const Job& job, const std::vector<ModuleSpec>& analyzers, const DatasetModule& data,
                             const SplitPlan& plan, const AnalysisOptions& options);
/// The same over the job's split plan of `data`.
AnalyzerWeights run_analysis(const Job& job, const std::vector<ModuleSpec>& analyzers, const DatasetModule& data,
                             const AnalysisOptions& options);

/// The analyzers `hearth analyze` uses for a job without [[analyzers]]: multiclass when the
/// dataset names classes, and values_distribution.
std::vector<ModuleSpec> default_analyzers(const PluginRegistry& registry, bool has_classes);

/// The parameters of `spec` with every "analyzer:NAME" reference replaced by that analyzer's
/// weights; throws UsageError when the analyzer offered none.
ParamValues with_analyzer_values(const ModuleSpec& spec, const AnalyzerWeights& weights);

}  // namespace hearth
