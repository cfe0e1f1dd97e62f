// The training loop: epochs of batches through the model, loss and optimizer plugins, metrics
// on train and valid, checkpoints, early stopping, and everything resume needs.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "engine/jobs/checkpoint.hpp"
#include "engine/jobs/job.hpp"
#include "engine/jobs/run_folder.hpp"

namespace hearth {

enum class TrainOutcome { completed, stopped_early, interrupted };

/// Set by the host's SIGINT handler: the trainer finishes the batch, writes `last` and returns.
std::atomic<bool>& interrupt_requested();

/// Trains `job` into `run`, continuing from `resume` when given. Throws on failure after marking
/// the run failed in run.json; `last` then still holds the previous epoch.
TrainOutcome train(const Job& job, RunFolder& run, const std::optional<CheckpointState>& resume);

/// "cpu", or "cuda"/"cuda:N"; "auto" picks CUDA when LibTorch sees a GPU.
std::string resolve_device(const std::string& requested);

}  // namespace hearth
