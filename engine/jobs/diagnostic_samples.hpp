// The fixed samples a diagnostic looks at: the same ones at every epoch and in every run of the
// job, so that its pictures compare across epochs and runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/jobs/session.hpp"
#include "engine/runtime/modules/diagnostic_module.hpp"

namespace hearth {

/// `count` distinct positions in [0, size), in increasing order, drawn with SplitMix64 from `seed`
/// and `name` (Floyd's sampling: time and memory grow with count, not size).
std::vector<int64_t> chosen_positions(int64_t size, int64_t count, uint64_t seed, const std::string& name);

/// The samples of `options` (split, how many) for diagnostic `options.name`, fetched and
/// transformed as validation sees them, batched on the CPU.
DiagnosticSamples diagnostic_samples(Session& session, const DiagnosticOptions& options);

}  // namespace hearth
