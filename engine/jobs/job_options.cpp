#include "engine/jobs/job_options.hpp"

#include <algorithm>
#include <tuple>

#include "engine/core/error.hpp"
#include "engine/jobs/job.hpp"

namespace hearth {
namespace {

/// The one place a validated value is read by key. The schemas guarantee presence and type; a
/// miss is an engine bug and says which key, never undefined behaviour.
template <typename T>
const T& value_of(const ParamValues& values, const std::string& table, const std::string& key) {
  const ParamValue* v = values.find(key);
  if (v == nullptr || !std::holds_alternative<T>(*v))
    throw Error("internal error: [" + table + "] " + key + " has no value of the expected type after validation");
  return std::get<T>(*v);
}

size_t index_of(const ParamValues& values, const std::string& table, const std::string& key) {
  int64_t i = value_of<int64_t>(values, table, key);
  if (i < 0) throw Error("internal error: [" + table + "] " + key + " is negative after validation");
  return static_cast<size_t>(i);
}

GeneralOptions general_of(const Job& job) {
  GeneralOptions g;
  g.name = value_of<std::string>(job.job, "job", "name");
  if (g.name.empty()) g.name = job.file.stem().string();
  g.seed = static_cast<uint64_t>(value_of<int64_t>(job.job, "job", "seed"));
  g.device = value_of<std::string>(job.job, "job", "device");
  g.runs = value_of<std::string>(job.job, "job", "runs");
  g.threads = static_cast<int>(value_of<int64_t>(job.job, "job", "threads"));
  return g;
}

DataOptions data_of(const ParamValues& host) {
  DataOptions d;
  d.batch_size = value_of<int64_t>(host, "dataset", "batch_size");
  d.shuffle = value_of<bool>(host, "dataset", "shuffle");
  d.valid_fraction = value_of<double>(host, "dataset", "valid_fraction");
  d.subsample = value_of<double>(host, "dataset", "subsample");
  d.workers = static_cast<int>(value_of<int64_t>(host, "dataset", "workers"));
  d.skip_bad_samples = value_of<std::string>(host, "dataset", "bad_samples") == "skip";
  d.augmentation.flip = value_of<bool>(host, "dataset", "augment_flip");
  d.augmentation.shift = value_of<int64_t>(host, "dataset", "augment_shift");
  return d;
}

/// A [low, high] pair of a transform: exactly two numbers, low <= high.
std::pair<double, double> bounds(const TransformSpec& t, const std::string& key, const std::string& file) {
  const auto& v = value_of<std::vector<double>>(t.params, t.table, key);
  if (v.size() != 2 || v[0] > v[1] || (key == "ratio" && v[0] <= 0))
    throw UsageError(file + ": [" + t.table + "] " + t.op + " " + key + " needs two numbers, low then high" +
                     (key == "ratio" ? ", above 0" : ""));
  return {v[0], v[1]};
}

TransformStep step_of(const TransformSpec& t, const std::string& file) {
  using Op = TransformStep::Op;
  const std::vector<std::string>& names = transform_op_names();
  TransformStep s;
  s.op = static_cast<Op>(std::find(names.begin(), names.end(), t.op) - names.begin());
  s.tensor = value_of<std::string>(t.params, t.table, "tensor");
  if (t.params.find("size")) s.size = value_of<int64_t>(t.params, t.table, "size");
  if (s.op == Op::random_resized_crop) {
    std::tie(s.scale_min, s.scale_max) = bounds(t, "scale", file);
    std::tie(s.ratio_min, s.ratio_max) = bounds(t, "ratio", file);
  }
  if (s.op == Op::horizontal_flip) s.p = value_of<double>(t.params, t.table, "p");
  if (s.op == Op::random_crop) {
    s.padding = value_of<int64_t>(t.params, t.table, "padding");
    const std::string& mode = value_of<std::string>(t.params, t.table, "padding_mode");
    s.padding_mode = mode == "edge" ? TransformStep::Padding::edge
                     : mode == "reflect" ? TransformStep::Padding::reflect
                                         : TransformStep::Padding::constant;
  }
  if (s.op == Op::color_jitter) {
    s.brightness = value_of<double>(t.params, t.table, "brightness");
    s.contrast = value_of<double>(t.params, t.table, "contrast");
    s.saturation = value_of<double>(t.params, t.table, "saturation");
  }
  if (s.op == Op::normalize) {
    s.mean = value_of<std::vector<double>>(t.params, t.table, "mean");
    s.std = value_of<std::vector<double>>(t.params, t.table, "std");
    if (s.mean.empty() || s.mean.size() != s.std.size() ||
        std::any_of(s.std.begin(), s.std.end(), [](double d) { return d <= 0; }))
      throw UsageError(file + ": [" + t.table + "] normalize needs as many means as deviations, one per channel, each deviation above 0");
  }
  return s;
}

TrainOptions train_of(const ParamValues& t) {
  TrainOptions o;
  o.epochs = value_of<int64_t>(t, "train", "epochs");
  o.max_steps = value_of<int64_t>(t, "train", "max_steps");
  o.validate_every = value_of<int64_t>(t, "train", "validate_every");
  o.monitor = value_of<std::string>(t, "train", "monitor");
  const std::string mode = value_of<std::string>(t, "train", "mode");
  o.mode = mode == "min" ? MonitorMode::min : mode == "max" ? MonitorMode::max : MonitorMode::automatic;
  o.patience = value_of<int64_t>(t, "train", "patience");
  o.min_delta = value_of<double>(t, "train", "min_delta");
  o.clip_norm = value_of<double>(t, "train", "clip_norm");
  o.clip_value = value_of<double>(t, "train", "clip_value");
  o.accumulate = value_of<int64_t>(t, "train", "accumulate");
  o.skip_nan = value_of<std::string>(t, "train", "nan_policy") == "skip";
  o.bf16 = value_of<std::string>(t, "train", "precision") == "bf16";
  o.log_every = value_of<int64_t>(t, "train", "log_every");
  return o;
}

DistributedOptions distributed_of(const ParamValues& d) {
  DistributedOptions o;
  o.backend = value_of<std::string>(d, "distributed", "backend");
  o.port = static_cast<int>(value_of<int64_t>(d, "distributed", "port"));
  o.timeout_seconds = value_of<int64_t>(d, "distributed", "timeout_seconds");
  o.join_timeout_seconds = value_of<int64_t>(d, "distributed", "join_timeout_seconds");
  o.bucket_mb = value_of<double>(d, "distributed", "bucket_mb");
  return o;
}

}  // namespace

std::vector<AnalyzerOptions> resolve_analyzer_options(const std::vector<ModuleSpec>& analyzers) {
  std::vector<AnalyzerOptions> out;
  std::vector<std::string> names = unique_names(analyzers);
  for (size_t i = 0; i < analyzers.size(); ++i) {
    const ModuleSpec& a = analyzers[i];
    out.push_back({names[i], parse_split_or_all(value_of<std::string>(a.host, a.table, "split"), "[" + a.table + "] split")});
  }
  return out;
}

JobOptions resolve_job_options(const Job& job) {
  JobOptions o;
  o.general = general_of(job);
  o.data = data_of(job.dataset.host);
  for (const TransformSpec& t : job.transforms) o.data.transforms.push_back(step_of(t, job.file.string()));
  o.init = {value_of<std::string>(job.model.host, "model", "init"), value_of<bool>(job.model.host, "model", "strict")};
  o.train = train_of(job.train);
  o.distributed = distributed_of(job.distributed);
  if (job.export_step)
    o.export_step = ExportStepOptions{value_of<std::vector<std::string>>(*job.export_step, "export", "formats"),
                                      value_of<std::string>(*job.export_step, "export", "checkpoint"),
                                      value_of<std::string>(*job.export_step, "export", "out")};
  std::vector<std::string> loss_names = unique_names(job.losses), metric_names = unique_names(job.metrics);
  for (size_t i = 0; i < job.losses.size(); ++i) {
    const ModuleSpec& l = job.losses[i];
    o.losses.push_back({loss_names[i], index_of(l.host, l.table, "output"), index_of(l.host, l.table, "target"),
                        value_of<double>(l.host, l.table, "weight")});
  }
  for (size_t i = 0; i < job.metrics.size(); ++i) {
    const ModuleSpec& m = job.metrics[i];
    o.metrics.push_back({metric_names[i], index_of(m.host, m.table, "output"), index_of(m.host, m.table, "target")});
  }
  o.analyzers = resolve_analyzer_options(job.analyzers);
  for (const ModuleSpec& r : job.renders) o.renders.push_back({value_of<std::string>(r.host, r.table, "tensor")});
  return o;
}

}  // namespace hearth
