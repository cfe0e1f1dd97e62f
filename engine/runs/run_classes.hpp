// The dataset's class names kept in run.json (a text dataset's vocabulary is its classes): a run
// is resumed, evaluated and sampled only with data that names the same classes in the same order,
// since a model's outputs mean class i by position.
#pragma once

#include <string>
#include <vector>

#include "engine/runs/run_folder.hpp"

namespace hearth {

/// Throws UsageError naming the run, the dataset (`dataset`, its plugin label) and the first
/// class that differs when `now` is not the list the run recorded. A run that recorded none
/// (made before Hearth kept them, or on data without classes) passes.
void check_run_classes(const RunFolder& run, const std::vector<std::string>& now, const std::string& dataset);

}  // namespace hearth
