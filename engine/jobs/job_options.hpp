// A job's settings as typed values, resolved once from its validated tables. Everything that runs
// a job reads these; nothing after load_job reads a setting by its string key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/data/split_name.hpp"
#include "engine/data/transform_steps.hpp"
#include "engine/distributed/group_options.hpp"

namespace hearth {

/// [job]: what every command of the job shares.
struct GeneralOptions {
  std::string name;     ///< the job's name (the file's stem when [job] name is empty)
  uint64_t seed = 0;    ///< seeds every random choice
  std::string device;   ///< "auto", "cpu", "cuda" or "cuda:N" as written; resolve_device() picks
  std::string runs;     ///< folder of the runs, relative to the job file
  int threads = 0;      ///< LibTorch intra-op threads; 0 keeps LibTorch's choice
};

/// Train-batch augmentation of image inputs ([dataset] augment_flip, augment_shift).
struct Augmentation {
  bool flip = false;  ///< mirror left-right with probability 1/2
  int64_t shift = 0;  ///< move by up to this many pixels in each direction, edges replicated
  bool any() const { return flip || shift > 0; }
};

/// The host keys of [dataset]: how splits are made and batches fetched.
struct DataOptions {
  int64_t batch_size = 64;
  bool shuffle = true;
  double valid_fraction = 0;  ///< > 0: this seeded share of train becomes valid
  double subsample = 1;       ///< share of each split kept
  int workers = 2;            ///< sample-fetching threads when the dataset has no batch fetch
  bool skip_bad_samples = false;  ///< bad_samples = "skip": leave a sample that fails out, counted
  Augmentation augmentation;
  std::vector<TransformStep> transforms;  ///< [[transforms]] of train samples, in order
};

enum class MonitorMode { automatic, min, max };

/// [model] init and strict: the weights a new run starts from.
struct ModelInit {
  std::string source;  ///< "" (none), a .pt or .safetensors path, or run:RUN[:best|last]
  bool strict = true;
};

/// [export]: what a run writes when its training ends.
struct ExportStepOptions {
  std::vector<std::string> formats;
  std::string checkpoint = "best";
  std::string out;  ///< relative to the run folder; "" = export-<checkpoint>
};

/// [train].
struct TrainOptions {
  int64_t epochs = 10;
  int64_t max_steps = 0;       ///< 0: no limit
  int64_t validate_every = 1;
  std::string monitor;         ///< a metrics.csv column, e.g. "valid.accuracy"
  MonitorMode mode = MonitorMode::automatic;
  int64_t patience = 0;        ///< 0: no early stopping
  double min_delta = 0;
  double clip_norm = 0;        ///< 0: off
  double clip_value = 0;       ///< 0: off
  int64_t accumulate = 1;      ///< batches per optimizer step
  bool skip_nan = false;       ///< nan_policy = "skip"
  bool bf16 = false;           ///< precision = "bf16"
  int64_t log_every = 50;
};

/// [distributed]: how the processes of one job talk when a launcher starts several.

/// One [[losses]] table's wiring: which model output and target it reads, its weight in the sum.
struct LossOptions {
  std::string name;  ///< unique column name: "mse", "mse_1"
  size_t output = 0;
  size_t target = 0;
  double weight = 1;
};

/// One [[metrics]] table's wiring.
struct MetricOptions {
  std::string name;  ///< unique column name
  size_t output = 0;
  size_t target = 0;
};

/// One [[analyzers]] table: its unique name and the split it sees (nullopt: every split).
struct AnalyzerOptions {
  std::string name;
  std::optional<SplitName> split;
};

/// One [[renders]] table: the tensor it draws ("" = every tensor without a renderer of its own).
struct RenderTableOptions {
  std::string tensor;
};

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
};

struct Job;
struct ModuleSpec;

/// The typed options of a validated job. Throws Error (an engine bug, not a user's) when a value
/// the schemas guarantee is missing or of another type.
JobOptions resolve_job_options(const Job& job);

/// The options of analyzer tables, also of those the host adds (`hearth analyze` without any).
std::vector<AnalyzerOptions> resolve_analyzer_options(const std::vector<ModuleSpec>& analyzers);

}  // namespace hearth
