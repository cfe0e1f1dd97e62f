// A run as the dashboard lists it, from its run record and its job.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>

#include "engine/params/host_options.hpp"

namespace hearth::studio {

/// [train] of a run's resolved job.toml (the defaults when it is unreadable or has none).
TrainOptions planned_training(const std::filesystem::path& run);

/// The dashboard's row of a run: {"id", "job", "status", "detail"?, "epochs_done", "epochs",
/// "best"?, "created", "finished"?, "seconds", "pid"?, "error"?}.
nlohmann::json run_row(const std::filesystem::path& runs_dir, const std::filesystem::path& run);

/// The pictures its diagnostics have drawn: {"diagnostics": [{"name", "epochs": [2, 4],
/// "files": ["diagnostics/<name>/epoch-002.png", ...]}]}, files relative to the run.
nlohmann::json run_diagnostics(const std::filesystem::path& run);

}  // namespace hearth::studio
