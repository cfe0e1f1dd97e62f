// Checkpoints: everything an exact resume needs, written atomically (temporary file, fsync,
// rename), so a crash mid-write leaves the previous checkpoint intact.
#pragma once

#include <ATen/Tensor.h>

#include <filesystem>
#include <string>

#include "engine/core/error.hpp"

namespace hearth {

namespace fs = std::filesystem;

struct CheckpointState {
  std::string model, optimizer, scheduler;  ///< the plugins' own serialized states
  /// With [train] ema: the weights training goes on from, `model` being their average (what eval,
  /// export and `best` use). Empty without averaging.
  std::string training_model;
  int64_t epoch = 0;           ///< epochs completed
  int64_t batch_in_epoch = 0;  ///< batches of the next epoch already trained (after an interrupt)
  int64_t step = 0;            ///< optimizer steps taken
  double best = 0;             ///< best monitored value so far
  bool has_best = false;
  int64_t best_epoch = 0;      ///< 1-based: the epoch the best was reached in
  /// The optimizer step the best was reached at; kept (and written) only by jobs that validate
  /// inside epochs, whose best may lie inside one. -1: not kept, the best is at best_epoch's end.
  int64_t best_step = -1;
  int64_t bad_epochs = 0;      ///< early stopping: validations since the last improvement
  int64_t skipped_steps = 0;   ///< steps skipped by nan_policy = "skip"
  at::Tensor rng;              ///< LibTorch's default CPU generator state
  at::Tensor device_rng;       ///< the CUDA device's generator state when training on one; else empty
};

/// A checkpoint whose contents do not match the checksum written with them.
struct ChecksumMismatch : Error {
  using Error::Error;
};

/// Writes `state` to `path` atomically, with a SHA-256 of its contents; throws Error naming the
/// file on failure (the previous file is then untouched).
void save_checkpoint(const fs::path& path, const CheckpointState& state);

/// Reads a checkpoint and verifies its checksum; throws Error naming the file when it is missing,
/// not a regular file, truncated or corrupt, and ChecksumMismatch when its bytes changed.
CheckpointState load_checkpoint(const fs::path& path);

/// Copies a checkpoint file through a temporary (fsync, rename), as save_checkpoint writes one.
void copy_checkpoint(const fs::path& from, const fs::path& to);

/// Whether `state` is the best state it records (its step is the best's).
bool holds_best(const CheckpointState& state);

/// After a kill between writing `last` and copying it to `best`, `last` (already loaded from
/// `last_file`) records that it is the best state but `best` is older, missing or damaged:
/// copies `last_file` over `best` and returns true. Returns false when the pair agrees.
bool repair_best(const CheckpointState& last, const fs::path& last_file, const fs::path& best);

}  // namespace hearth
