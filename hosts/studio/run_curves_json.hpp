// A run's curves as the studio draws them: metrics.csv's columns per epoch, and batches.csv's
// loss per batch (with an exponentially smoothed copy), samples/s and the time left. Batch
// curves are downsampled here, on the server, so that a page stays responsive however long a
// run is.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <filesystem>
#include <string>
#include <vector>

namespace hearth::studio {

/// The cells of one CSV line of a run's files (they hold numbers and names without commas).
std::vector<std::string> csv_cells(const std::string& line);

/// One point per batch, in training order, with resumed batches counted once (the last row of
/// each epoch and batch wins).
struct BatchPoints {
  std::vector<double> position;  ///< epochs as a real number: epoch - 1 + batch / batches
  std::vector<double> loss;
  double samples_per_s = 0;      ///< of the last row
  double seconds_per_batch = 0;  ///< of the last row's epoch so far
  long long epoch = 0, batch = 0, batches = 0;  ///< where the last row is
};

/// A batches.csv read as it grows: each update reads only the lines added since the last one
/// (all of it again when the file shrank), so following a run of 100,000 batches stays cheap.
/// A damaged line is skipped, a line still being written waits for its newline.
class BatchLog {
 public:
  void update(const std::filesystem::path& file);
  BatchPoints points() const;

 private:
  void add_line(const std::string& line);
  uint64_t offset_ = 0;
  bool header_ = false;
  std::map<std::pair<long long, long long>, std::array<double, 4>> rows_;  ///< (epoch, batch) -> loss, samples/s, seconds, batches
  std::pair<long long, long long> last_{0, 0};
};

/// A whole batches.csv, read once.
BatchPoints read_batch_points(const std::filesystem::path& file);

/// The same through a BatchLog kept per file (up to 64), for runs the page follows.
BatchPoints followed_batch_points(const std::filesystem::path& file);

/// At most `max_points` points: the mean of each of `max_points` equal runs of batches, with the
/// smallest and largest loss of each kept beside it so that spikes stay visible.
nlohmann::json downsample(const BatchPoints& points, size_t max_points);

/// Exponential moving average with weight `keep` on the past (TensorBoard's smoothing).
std::vector<double> smoothed(const std::vector<double>& values, double keep);

/// {"columns": [...], "rows": [[...], ...]} of a metrics.csv ("epoch", "step", "lr", ...);
/// empty when there is none. Non-numbers become null.
nlohmann::json read_epoch_table(const std::filesystem::path& file);

/// Everything the page shows of one run's progress: {"epochs", "batches", "samples_per_s",
/// "eta_seconds", "position"}. `epochs_planned` comes from the run's job.
nlohmann::json run_curves_json(const std::filesystem::path& run, long long epochs_planned, size_t max_points);

}  // namespace hearth::studio
