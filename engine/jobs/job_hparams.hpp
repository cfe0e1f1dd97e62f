// A job's settings as TensorBoard hyperparameters: every key of the resolved job, flattened.
#pragma once

#include <vector>

#include "engine/jobs/job.hpp"
#include "engine/runs/tensorboard_writer.hpp"

namespace hearth {

/// Every value of the resolved job (defaults filled in) as "section.key" ("train.epochs",
/// "losses[0].plugin"): numbers and flags as themselves, strings and lists as their TOML text.
std::vector<HParam> job_hparams(const Job& job);

}  // namespace hearth
