// Checkpoints: everything an exact resume needs, written atomically (temporary file, fsync,
// rename), so a crash mid-write leaves the previous checkpoint intact.
#pragma once

#include <ATen/Tensor.h>

#include <filesystem>
#include <string>

namespace hearth {

namespace fs = std::filesystem;

struct CheckpointState {
  std::string model, optimizer, scheduler;  ///< the plugins' own serialized states
  int64_t epoch = 0;           ///< epochs completed
  int64_t batch_in_epoch = 0;  ///< batches of the next epoch already trained (after an interrupt)
  int64_t step = 0;            ///< optimizer steps taken
  double best = 0;             ///< best monitored value so far
  bool has_best = false;
  int64_t best_epoch = 0;
  int64_t bad_epochs = 0;      ///< early stopping: epochs since the last improvement
  int64_t skipped_steps = 0;   ///< steps skipped by nan_policy = "skip"
  at::Tensor rng;              ///< LibTorch's default CPU generator state
  at::Tensor device_rng;       ///< the CUDA device's generator state when training on one; else empty
};

/// Writes `state` to `path` atomically; throws Error naming the file on failure.
void save_checkpoint(const fs::path& path, const CheckpointState& state);

/// Reads a checkpoint; throws Error naming the file when it is missing, truncated or corrupt.
CheckpointState load_checkpoint(const fs::path& path);

}  // namespace hearth
