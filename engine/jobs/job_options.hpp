// A job's settings as typed values, resolved once from its validated tables through the key
// tables of engine/params/host_keys.hpp. Everything that runs a job reads these; nothing after
// load_job reads a setting by its string key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/params/host_options.hpp"

namespace hearth {

/// Everything a job sets, typed; index i of each list belongs to table i of the same kind.
struct JobOptions {
  GeneralOptions general;
  DataOptions data;
  ModelInit init;
  TrainOptions train;
  DistributedOptions distributed;
  std::optional<ExportStepOptions> export_step;
  std::vector<LossOptions> losses;
  std::vector<MetricOptions> metrics;
  std::vector<AnalyzerOptions> analyzers;
  std::vector<RenderTableOptions> renders;
  std::vector<DiagnosticOptions> diagnostics;
};

struct Job;
struct ModuleSpec;

/// The typed options of a validated job. Throws Error (an engine bug, not a user's) when a value
/// the schemas guarantee is missing or of another type.
JobOptions resolve_job_options(const Job& job);

/// The options of analyzer tables, also of those the host adds (`hearth analyze` without any).
std::vector<AnalyzerOptions> resolve_analyzer_options(const std::vector<ModuleSpec>& analyzers);

}  // namespace hearth
