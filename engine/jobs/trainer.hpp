// The training loop: epochs of a session's train split, validation, checkpoints, early stopping,
// and the run folder's record of all of it; everything an exact resume needs.
#pragma once

#include <optional>

#include "engine/jobs/checkpoint.hpp"
#include "engine/jobs/job.hpp"
#include "engine/jobs/run_folder.hpp"
#include "engine/jobs/session.hpp"

namespace hearth {

/// How training ended; `pruned`: a sweep's median rule stopped a trial that was clearly worse.
enum class TrainOutcome { completed, stopped_early, interrupted, pruned };

/// Trains `job` into `run`, continuing from `resume` when given. Throws on failure after marking
/// the run failed in run.json; `last` then still holds the previous epoch. With a `group`, this
/// process is one rank of a data-parallel run: only rank 0 writes into `run`. `train_batch`, when
/// not 0, is this rank's train batch instead of the job's (a run resumed on another world size
/// keeps its global batch).
TrainOutcome train(const Job& job, RunFolder& run, const std::optional<CheckpointState>& resume,
                   RankGroup* group = nullptr, int64_t train_batch = 0);

}  // namespace hearth
