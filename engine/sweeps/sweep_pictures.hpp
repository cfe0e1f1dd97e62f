// The pictures of a sweep report, drawn into the sweep folder: the parameters plot (parallel
// coordinates, one line per trial coloured by the metric), the metric curves of the best trials
// overlaid, and for each swept key the metric against its values, repeats as error bars.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/sweeps/sweep_report.hpp"

namespace hearth {

/// What was drawn, and why a picture was not (too few scored trials, nothing differs).
struct SweepPictures {
  std::vector<std::filesystem::path> written;
  std::vector<std::string> skipped;
};

/// Draws every picture it can into `dir` (params.png, curves.png, metric-<key>.png); a picture
/// that cannot be drawn is named in `skipped`, never an error.
SweepPictures write_sweep_pictures(const SweepReport& report, const std::filesystem::path& dir, size_t best_curves = 5);

}  // namespace hearth
