// A job's [export] step: after its training ends (completed or stopped early), rank 0 exports the
// run as [export] says. A failing export does not undo the training: the run stays complete and
// the error says how to export it by hand.
#pragma once

#include "engine/jobs/job.hpp"
#include "engine/runs/run_folder.hpp"
#include "engine/training/trainer.hpp"
#include "hosts/jobs/commands/request_base.hpp"

namespace hearth::jobs {

/// `code` (report_outcome's) unless the export step runs and fails: then 1.
int run_export_step(int code, TrainOutcome outcome, const Job& job, const RequestBase& base, const RunFolder& run, bool writer);

}  // namespace hearth::jobs
