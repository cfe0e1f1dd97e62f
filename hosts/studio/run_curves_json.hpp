// A run's curves as the studio draws them: metrics.csv's columns per epoch, and batches.csv's
// loss per batch (with an exponentially smoothed copy), samples/s and the time left. Batch
// curves are downsampled here, on the server, so that a page stays responsive however long a
// run is.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <vector>

#include "engine/params/host_options.hpp"
#include "engine/runs/batch_log.hpp"

namespace hearth::studio {

/// batches.csv through a BatchLogReader kept per file (up to 64), for runs the page follows.
BatchPoints followed_batch_points(const std::filesystem::path& file);

/// At most `max_points` points: the mean of each of `max_points` equal runs of batches, with the
/// smallest and largest loss of each kept beside it so that spikes stay visible, and the mean
/// learning rate (null where batches.csv did not keep it).
nlohmann::json downsample(const BatchPoints& points, size_t max_points);

/// Exponential moving average with weight `keep` on the past (TensorBoard's smoothing).
std::vector<double> smoothed(const std::vector<double>& values, double keep);

/// {"columns": [...], "rows": [[...], ...]} of a run's table (metrics.csv's "epoch", "step", "lr",
/// ..., and the diagnostics' numbers: read_run_metrics); empty when there is none. Empty cells and
/// non-finite values become null; a damaged row (a line still being written) is left out.
nlohmann::json read_epoch_table(const std::filesystem::path& run);

/// valid_steps.csv's validations inside epochs ([train] validate_every_steps) on the batch
/// chart's axis: {"x": [fractional epoch, ...], "valid.loss": [...], ...}; only "x" (empty) when the
/// run has none or `batches_per_epoch` is not known yet.
nlohmann::json read_step_validations(const std::filesystem::path& run, int64_t batches_per_epoch);

/// Everything the page shows of one run's progress: {"epochs", "batches", "valid_steps",
/// "samples_per_s", "eta_seconds", "position"}. `planned` is the run's [train]: its epochs and, when set, its
/// max_steps end the time left.
nlohmann::json run_curves_json(const std::filesystem::path& run, const TrainOptions& planned, size_t max_points);

}  // namespace hearth::studio
