#include "engine/jobs/job_options.hpp"

#include <algorithm>

#include "engine/core/error.hpp"
#include "engine/jobs/job.hpp"
#include "engine/params/host_keys.hpp"

namespace hearth {
namespace {

/// "job.toml: [losses[1]]": where a value a binding refuses was written.
std::string where(const Job& job, const std::string& table) { return job.file.string() + ": [" + table + "]"; }

TransformStep step_of(const TransformSpec& t, const Job& job) {
  const std::vector<std::string>& names = transform_op_names();
  const auto op = static_cast<TransformStep::Op>(std::find(names.begin(), names.end(), t.op) - names.begin());
  TransformStep s = transform_keys(op).resolve(t.params, where(job, t.table));
  s.op = op;
  // Two keys that must agree: no single binding can check this.
  if (s.op == TransformStep::Op::normalize &&
      (s.mean.empty() || s.mean.size() != s.std.size() || std::any_of(s.std.begin(), s.std.end(), [](double d) { return d <= 0; })))
    throw UsageError(job.file.string() + ": [" + t.table +
                     "] normalize needs as many means as deviations, one per channel, each deviation above 0");
  return s;
}

}  // namespace

std::vector<AnalyzerOptions> resolve_analyzer_options(const std::vector<ModuleSpec>& analyzers) {
  std::vector<AnalyzerOptions> out;
  std::vector<std::string> names = unique_names(analyzers);
  for (size_t i = 0; i < analyzers.size(); ++i) {
    out.push_back(analyzer_keys().resolve(analyzers[i].host, "[" + analyzers[i].table + "]"));
    out.back().name = names[i];
  }
  return out;
}

JobOptions resolve_job_options(const Job& job) {
  JobOptions o;
  o.general = job_keys().resolve(job.job, where(job, "job"));
  if (o.general.name.empty()) o.general.name = job.file.stem().string();
  // A program-fed job without [dataset] (hosts/embed) has no batches of Hearth's to shape: its
  // data options stay empty, and the program's arrays are the batches.
  if (job.dataset.entry || !job.program_data) o.data = dataset_keys().resolve(job.dataset.host, where(job, "dataset"));
  for (const TransformSpec& t : job.transforms) o.data.transforms.push_back(step_of(t, job));
  o.init = model_keys().resolve(job.model.host, where(job, "model"));
  o.train = train_keys().resolve(job.train, where(job, "train"));
  o.distributed = distributed_keys().resolve(job.distributed, where(job, "distributed"));
  if (job.export_step) o.export_step = export_keys().resolve(*job.export_step, where(job, "export"));
  std::vector<std::string> loss_names = unique_names(job.losses), metric_names = unique_names(job.metrics);
  for (size_t i = 0; i < job.losses.size(); ++i) {
    o.losses.push_back(loss_keys().resolve(job.losses[i].host, where(job, job.losses[i].table)));
    o.losses.back().name = loss_names[i];
  }
  for (size_t i = 0; i < job.metrics.size(); ++i) {
    o.metrics.push_back(metric_keys().resolve(job.metrics[i].host, where(job, job.metrics[i].table)));
    o.metrics.back().name = metric_names[i];
  }
  o.analyzers = resolve_analyzer_options(job.analyzers);
  for (const ModuleSpec& r : job.renders) o.renders.push_back(render_keys().resolve(r.host, where(job, r.table)));
  std::vector<std::string> diagnostic_names = unique_names(job.diagnostics);
  for (size_t i = 0; i < job.diagnostics.size(); ++i) {
    o.diagnostics.push_back(diagnostic_keys().resolve(job.diagnostics[i].host, where(job, job.diagnostics[i].table)));
    o.diagnostics.back().name = diagnostic_names[i];
  }
  return o;
}

}  // namespace hearth
