// Training a job into a run folder: the session, the model's picture, the monitor plan, the
// loop and its observers assembled in their order, and the run's end status however it ends.
#pragma once

#include <optional>

#include "engine/distributed/rank_group.hpp"
#include "engine/jobs/job.hpp"
#include "engine/runs/checkpoint.hpp"
#include "engine/runs/run_folder.hpp"
#include "engine/training/epoch_observer.hpp"

namespace hearth {

/// Trains `job` into `run`, continuing from `resume` when given. Throws on failure after marking
/// the run failed in run.json; `last` then still holds the previous epoch. With a `group`, this
/// process is one rank of a data-parallel run: only rank 0 writes into `run`. `train_batch`, when
/// not 0, is this rank's train batch instead of the job's (a run resumed on another world size
/// keeps its global batch).
TrainOutcome train(const Job& job, RunFolder& run, const std::optional<CheckpointState>& resume,
                   RankGroup* group = nullptr, int64_t train_batch = 0);

}  // namespace hearth
