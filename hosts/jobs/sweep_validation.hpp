// Every trial of a sweep loaded and checked like a job before anything runs: by `hearth sweep`,
// `hearth sweep expand`, and `hearth check` of a job with a [sweep].
#pragma once

#include <string>
#include <vector>

#include "engine/sweeps/sweep_spec.hpp"
#include "engine/sweeps/sweep_trials.hpp"
#include "hosts/jobs/opened_job.hpp"

namespace hearth::jobs {

/// Each distinct value is tried alone first, so that a bad one is named once at its line in the
/// sweep file; then each trial whole (values can clash with each other). Throws UsageError listing
/// what is wrong (at most 20 problems, and how many more); returns each trial's resolved job.
std::vector<std::string> validate_trials(const SweepSpec& spec, const std::vector<Trial>& trials, const OpenedJob& opened);

}  // namespace hearth::jobs
