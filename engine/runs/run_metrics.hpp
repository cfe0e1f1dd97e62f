// A run's numbers per epoch as every reader shows them: metrics.csv with the diagnostics' numbers
// joined as columns "diagnostics.<name>.<number>". They are kept apart on disk because an epoch's
// metrics.csv row is written before its checkpoint (exact resume keeps the file in step with it),
// and diagnostics run after the checkpoint, naming their numbers only when they first run.
#pragma once

#include <filesystem>
#include <string>

#include "engine/runs/metrics_table.hpp"

namespace hearth {

/// metrics.csv of `run` and, after its columns, one column per diagnostic number (sorted), NaN at
/// the epochs it did not run. A number of an epoch metrics.csv has no row for (a resumed run's
/// dropped epoch) is left out. `damaged` applies to both files.
MetricsTable read_run_metrics(const std::filesystem::path& run, DamagedRows damaged = DamagedRows::refuse);

/// Whether a column of that table is a diagnostic's number ("diagnostics.<name>.<number>").
bool is_diagnostic_column(const std::string& column);

}  // namespace hearth
