// The metric curves of one or several runs: losses (square-root scale), one panel per metric,
// the learning rate; train dashed against valid solid; the best epoch marked.
#pragma once

#include <filesystem>
#include <vector>

#include "engine/plots/run_curves.hpp"

namespace hearth {

/// Draws the runs' curves into `out` (.png or .svg). One run: a colour per curve; several runs:
/// a colour per run, named in the legend.
void write_metrics_plot(const std::vector<RunCurves>& runs, const std::filesystem::path& out);

}  // namespace hearth
