// The model tap points a job's diagnostics read (`[[diagnostics]] layer = "hidden1"`), checked
// against the tap points its model names, before anything trains.
#pragma once

#include <string>
#include <vector>

#include "engine/jobs/job.hpp"
#include "engine/runtime/modules/diagnostic_module.hpp"
#include "engine/runtime/modules/model_module.hpp"

namespace hearth {

/// Throws UsageError naming the job file and table when one of `diagnostics` (the job's, in order)
/// reads a tap point `model` does not have, with the model's points and the nearest name.
void check_diagnostic_taps(const Job& job, ModelModule& model, const std::vector<DiagnosticModule*>& diagnostics);

/// For `hearth check`: makes the job's diagnostics and, when one reads tap points, its model, and
/// checks them as above. Returns why it could not (a model that takes values from analyzers is
/// made only when training starts, which checks then), else "".
std::string check_job_taps(const Job& job);

}  // namespace hearth
