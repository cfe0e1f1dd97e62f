// batches.csv: one row per training batch ("epoch,batch,batches,loss,samples_per_s,seconds,step,lr";
// epoch and batch count from 1, seconds since the epoch started, step the optimizer steps taken
// so far, lr the rate the batch trained with; files older than step and lr have the first six).
// A resumed run appends the batches it trains again: readers keep the last row of each (epoch, batch).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <limits>
#include <utility>
#include <vector>

namespace hearth {

/// One row of batches.csv.
struct BatchRow {
  int64_t epoch = 0, batch = 0, batches = 0;  ///< `batches`: those the epoch will train (fewer when max_steps ends it)
  double loss = 0, samples_per_s = 0, seconds = 0;
  int64_t step = -1;  ///< optimizer steps taken after this batch; -1 in files written before it was kept
  double lr = std::numeric_limits<double>::quiet_NaN();  ///< the first group's rate this batch trained with; NaN: not kept
};

/// Appends rows while a run trains. It never stops training: a write that fails is a warning
/// and ends the log.
class BatchLogWriter {
 public:
  /// Opens `file` for appending (writing the header when it is new); a failure is a warning.
  explicit BatchLogWriter(const std::filesystem::path& file);
  void row(const BatchRow& row);

 private:
  struct CloseFile {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, CloseFile> out_;
  std::string name_;
  std::chrono::steady_clock::time_point last_flush_;
};

/// One point per batch, in training order, with resumed batches counted once.
struct BatchPoints {
  std::vector<double> position;  ///< epochs as a real number: epoch - 1 + batch / batches
  std::vector<double> loss;
  std::vector<double> lr;        ///< NaN where the file did not keep it
  std::vector<double> steps;     ///< optimizer steps after each batch; NaN where the file did not keep them
  double samples_per_s = 0;      ///< of the last row
  double seconds_per_batch = 0;  ///< of the last row's epoch so far
  long long epoch = 0, batch = 0, batches = 0;  ///< where the last row is
  long long step = -1;                          ///< the last row's optimizer steps; -1: not kept
};

/// batches.csv read as it grows: each update reads only the lines added since the last one (all
/// of it again when the file shrank), so following a run of 100,000 batches stays cheap. A
/// damaged line is skipped, a line still being written waits for its newline.
class BatchLogReader {
 public:
  void update(const std::filesystem::path& file);
  BatchPoints points() const;
  /// The row read last (the newest batch), nullopt before any.
  std::optional<BatchRow> last() const;

 private:
  void add_line(const std::string& line);
  uint64_t offset_ = 0;
  bool header_ = false;
  std::map<std::pair<long long, long long>, BatchRow> rows_;  ///< by (epoch, batch)
  std::optional<BatchRow> last_;
};

/// One line of batches.csv; nullopt for the header or a damaged line.
std::optional<BatchRow> parse_batch_row(const std::string& line);

/// The newest row of `file`, read from its tail (cheap however long the file is); nullopt when it
/// has none yet. A line still being written (no newline) is not read.
std::optional<BatchRow> read_last_batch_row(const std::filesystem::path& file);

/// A whole batches.csv, read once.
BatchPoints read_batch_points(const std::filesystem::path& file);

}  // namespace hearth
