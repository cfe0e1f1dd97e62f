// `hearth run --trial N|auto SWEEP_DIR`: one trial of an expanded sweep, as an array task of
// Slurm, Kubernetes or GNU parallel runs it. A trial not started trains into its run folder in
// the sweep folder; one that was interrupted, failed, crashed or died resumes from its `last`;
// a finished one (completed, stopped early, pruned) is left as it is.
#pragma once

#include "hosts/jobs/commands/run_command.hpp"

namespace hearth::jobs {

int run_trial(const RunRequest& request);

}  // namespace hearth::jobs
