// What `hearth run` and `hearth resume` do once the run folder, its log and the world are ready:
// train under an interrupt scope, say how training ended, then the job's [export] step. A failing
// export does not undo the training: the run stays complete and the error says how to export it
// by hand.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/jobs/job.hpp"
#include "engine/runs/checkpoint.hpp"
#include "engine/runs/run_folder.hpp"
#include "hosts/jobs/commands/request_base.hpp"
#include "hosts/jobs/rank_setup.hpp"

namespace hearth::jobs {

/// Trains `run` (from `resume` when given; `train_batch` as train() takes it) and exports it as
/// [export] says. Returns the process's exit code: report_outcome's, or 1 when the export fails.
int train_to_end(const Job& job, RunFolder& run, const std::optional<CheckpointState>& resume, const JoinedWorld& joined,
                 const RequestBase& base, int64_t train_batch = 0);

}  // namespace hearth::jobs
