// The typed settings of the tables the host reads ([job], [train], [distributed], [export]) and
// of its keys inside module tables ([dataset] batch_size, [[losses]] weight, ...). Their keys,
// defaults and docs are declared once, in host_keys.cpp, bound to these fields: a field here has
// no default of its own (a value built without its table comes from `*_keys().defaults()`).
// Torch-free, so that sweeps, the studio and the distributed group read them too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/checkpoint_name.hpp"
#include "engine/core/split_name.hpp"
#include "engine/params/device_request.hpp"
#include "engine/params/transform_steps.hpp"

namespace hearth {

/// [job]: what every command of the job shares.
struct GeneralOptions {
  std::string name;       ///< the job's name (the file's stem when [job] name is empty)
  uint64_t seed{};        ///< seeds every random choice
  DeviceRequest device;   ///< where the job asks to train
  std::string runs;       ///< folder of the runs, relative to the job file
  int threads{};          ///< LibTorch intra-op threads; 0 keeps LibTorch's choice
};

/// Train-batch augmentation of image inputs ([dataset] augment_flip, augment_shift).
struct Augmentation {
  bool flip{};      ///< mirror left-right with probability 1/2
  int64_t shift{};  ///< move by up to this many pixels in each direction, edges replicated
  bool any() const { return flip || shift > 0; }
};

/// The host keys of [dataset]: how splits are made and batches fetched.
struct DataOptions {
  int64_t batch_size{};
  bool shuffle{};
  double valid_fraction{};  ///< > 0: this seeded share of train becomes valid
  double subsample{};       ///< share of each split kept
  int workers{};            ///< sample-fetching threads when the dataset has no batch fetch
  bool skip_bad_samples{};  ///< bad_samples = "skip": leave a sample that fails out, counted
  Augmentation augmentation;
  std::vector<TransformStep> transforms;  ///< [[transforms]] of train samples, in order
};

enum class MonitorMode { automatic, min, max };

/// [model] init and strict: the weights a new run starts from.
struct ModelInit {
  std::string source;  ///< "" (none), a .pt or .safetensors path, or run:RUN[:best|last]
  bool strict{};
};

/// [export]: what a run writes when its training ends.
struct ExportStepOptions {
  std::vector<std::string> formats;
  CheckpointName checkpoint{};
  std::string out;  ///< relative to the run folder; "" = export-<checkpoint>
};

/// [train].
struct TrainOptions {
  int64_t epochs{};
  int64_t max_steps{};       ///< 0: no limit
  int64_t validate_every{};
  int64_t validate_every_steps{};  ///< 0: validate at epoch ends only
  std::string monitor;       ///< a metrics.csv column, e.g. "valid.accuracy"
  MonitorMode mode{};
  int64_t patience{};        ///< 0: no early stopping
  double min_delta{};
  double clip_norm{};        ///< 0: off
  double clip_value{};       ///< 0: off
  int64_t accumulate{};      ///< batches per optimizer step
  bool skip_nan{};           ///< nan_policy = "skip"
  bool bf16{};               ///< precision = "bf16"
  int64_t log_every{};
  double ema{};              ///< weight averaging's decay; 0: off
  int64_t ema_start{};       ///< optimizer steps before the average starts (it copies the weights until then)
};

/// [distributed]: how the processes of one job form a group and reduce.
struct DistributedOptions {
  std::string backend;           ///< auto (NCCL on CUDA, Gloo on CPU), gloo or nccl
  int port{};                    ///< rendezvous port when the launcher gives no MASTER_PORT
  int64_t timeout_seconds{};     ///< a rank silent this long while training ends the job with an error
  /// How long ranks wait for each other to start: the rendezvous, and each rank's own setup
  /// (plugins, data, the run folder) before the first step. Ranks start at different speeds, so
  /// this is not the step timeout (torchrun's rendezvous join_timeout is 600 s too).
  int64_t join_timeout_seconds{};
  double bucket_mb{};            ///< gradients all-reduced together, as PyTorch DDP's bucket_cap_mb
};

/// One [[losses]] table's wiring: which model output and target it reads, its weight in the sum.
struct LossOptions {
  std::string name;  ///< unique column name: "mse", "mse_1"
  size_t output{};
  size_t target{};
  double weight{};
};

/// One [[metrics]] table's wiring.
struct MetricOptions {
  std::string name;  ///< unique column name
  size_t output{};
  size_t target{};
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

/// One [[diagnostics]] table: when it runs, on which samples, and its picture's size.
struct DiagnosticOptions {
  std::string name;  ///< unique in the job ("confusion", "confusion_1"): its folder and scalar prefix
  int64_t every = 1;  ///< runs after epochs every, 2 every, ...
  SplitName split = SplitName::valid;
  int64_t samples = 64;
  int64_t width = 800, height = 600;
};

}  // namespace hearth
