// A job's metrics.csv columns and the value that picks its best epoch, decided once before
// training: a `valid.` monitor falls back to `train.` without a valid split, a value the job does
// not produce is an error naming the job file, and mode `auto` follows the metric's direction.
#pragma once

#include "engine/jobs/job.hpp"
#include "engine/jobs/job_modules.hpp"
#include "engine/training/epoch_observer.hpp"
#include "engine/training/run_recorder.hpp"

namespace hearth {

/// The per-loss and per-metric column names of `m` (per-loss only when there are several).
ColumnNames column_names(const JobModules& m);

/// The columns and monitor of `job` trained with `m`, `has_valid` when it has a valid split.
MonitorPlan plan_columns(const Job& job, const JobModules& m, bool has_valid);

}  // namespace hearth
